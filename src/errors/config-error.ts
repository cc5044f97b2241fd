import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** A configuration value is missing or invalid. Fatal at startup. */
export class ConfigError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_CONFIG', message, options);
  }
}
