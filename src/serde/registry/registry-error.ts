import { SluiceError, type ErrorContext } from '../../errors/index.ts';

/**
 * The schema registry could not be reached or answered with an error while the runtime was preparing a batch.
 * `retriable` is true when trying again may help (no answer, timeout, 408/429/5xx); `status` is the HTTP status
 * when there was an answer. Problems that retrying cannot fix at startup (bad URL, credentials, a schema the
 * registry refuses) are ConfigErrors instead.
 */
export class RegistryError extends SluiceError {
  readonly status: number | undefined;

  constructor(
    message: string,
    options: { cause?: unknown; context?: ErrorContext; retriable?: boolean; status?: number } = {},
  ) {
    super('SLUICE_SCHEMA_REGISTRY', message, options);
    this.status = options.status;
  }
}
