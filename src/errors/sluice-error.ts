/** Where in the stream an error happened; every field optional, all readonly. */
export interface ErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly taskId?: string;
  readonly file?: string;
  readonly field?: string;
}

/**
 * Base of every error sluice throws. `code` is stable (match on it, not on the message); the message says
 * what was expected and where; `cause` keeps the underlying error.
 */
export class SluiceError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
    this.retriable = options.retriable ?? false;
  }
}

/** "topic=clicks partition=2 offset=17 task=0_2", for messages. */
export function describeContext(context: ErrorContext): string {
  const parts: string[] = [];
  if (context.file !== undefined) parts.push(`file=${context.file}`);
  if (context.topic !== undefined) parts.push(`topic=${context.topic}`);
  if (context.partition !== undefined) parts.push(`partition=${context.partition}`);
  if (context.offset !== undefined) parts.push(`offset=${context.offset}`);
  if (context.taskId !== undefined) parts.push(`task=${context.taskId}`);
  return parts.join(' ');
}
