import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** An output record could not be serialized or produced. */
export class ProductionError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_PRODUCTION', message, options);
  }
}
