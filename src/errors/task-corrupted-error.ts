import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** The task state cannot be trusted (aborted transaction, inconsistent changelog): wipe and restore. */
export class TaskCorruptedError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_TASK_CORRUPTED', message, options);
  }
}
