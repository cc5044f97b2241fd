import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** A topology module does not load or its graph is invalid (or disagrees with existing topics). Fatal at startup. */
export class TopologyError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_TOPOLOGY', message, options);
  }
}
