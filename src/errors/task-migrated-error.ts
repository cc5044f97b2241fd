import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** The task was fenced or revoked: another instance owns it now. Close it dirty and rejoin. */
export class TaskMigratedError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super('SLUICE_TASK_MIGRATED', message, options);
  }
}
