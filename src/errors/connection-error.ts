import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** Why sluice could not talk to the brokers at all. */
export type ConnectionFailure = 'authentication' | 'tls' | 'unreachable' | 'protocol';

/**
 * The brokers refused or could not be reached at startup: wrong credentials, an untrusted certificate, nothing
 * listening. Fatal and reported once; retrying would only repeat it (and lock accounts on some brokers).
 */
export class ConnectionError extends SluiceError {
  readonly failure: ConnectionFailure;
  constructor(failure: ConnectionFailure, message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(`SLUICE_CONNECTION_${failure.toUpperCase()}`, message, options);
    this.failure = failure;
  }
}
