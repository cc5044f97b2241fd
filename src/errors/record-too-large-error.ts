import { KafkaError } from './kafka-error.ts';
import type { ErrorContext } from './sluice-error.ts';

/**
 * The broker refused a record as too large (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE). Never retriable: the
 * same record fails the same way after every rebuild, so the application stops and says what to set.
 */
export class RecordTooLargeError extends KafkaError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { ...options, retriable: false, code: 'SLUICE_RECORD_TOO_LARGE' });
  }
}
