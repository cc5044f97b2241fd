import { KafkaError } from './kafka-error.ts';
import type { ErrorContext } from './sluice-error.ts';

/**
 * A fetch asked for an offset the partition no longer (or not yet) holds: retention or DeleteRecords removed
 * it, or the topic was recreated. A reader that keeps its own position starts over from the log start.
 */
export class OffsetOutOfRangeError extends KafkaError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { ...options, retriable: false, code: 'SLUICE_OFFSET_OUT_OF_RANGE' });
  }
}
