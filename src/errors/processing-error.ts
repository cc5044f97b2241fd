import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** A user function threw while processing a record. Routed to the topology onError handler. */
export class ProcessingError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_PROCESSING', message, options);
  }
}
