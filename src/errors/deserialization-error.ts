import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** A record key or value could not be decoded. Routed to the topology onError handler. */
export class DeserializationError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_DESERIALIZATION', message, options);
  }
}
