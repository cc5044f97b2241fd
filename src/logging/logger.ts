import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { ConfigError } from '../errors/index.ts';

/** sluice's logger: a pino logger. Child loggers carry `task`, `topic` and `partition` (see `taskLogger`). */
export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** One of LOG_LEVELS, case-insensitive (`LOG_LEVEL=INFO` works). */
  readonly level: string;
  /** `json` (default): one JSON object per line on stdout. `pretty`: coloured, human-readable lines for `sluice dev`. */
  readonly format?: LogFormat;
  /** Goes into every line as `name`, e.g. the application id. */
  readonly name?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Validates and normalises a level string; throws ConfigError naming the accepted levels. */
export function parseLogLevel(value: string): LogLevel {
  const level = value.trim().toLowerCase();
  if (!isLogLevel(level)) {
    throw new ConfigError(`log level "${value}" is not valid (expected one of ${LOG_LEVELS.join(', ')})`, {
      context: { field: 'logLevel' },
    });
  }
  return level;
}

/**
 * Creates the process logger. Both formats write synchronously, so the last lines before a crash or a
 * `process.exit` are never lost (pino's worker-thread transports would lose them).
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = parseLogLevel(options.level);
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'pretty') {
    throw new ConfigError(`log format "${String(format)}" is not valid (expected "json" or "pretty")`, {
      context: { field: 'logFormat' },
    });
  }
  const pinoOptions = {
    level,
    ...(options.name === undefined ? {} : { name: options.name }),
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      // "level":"info" instead of "level":30: readable without a lookup table, and what log stores index.
      level: (label: string) => ({ level: label }),
    },
  };
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  if (format === 'pretty') {
    // pino-pretty's formatter applied in-line, on the calling thread: no transform stream, no worker.
    const prettify = prettyFactory({
      colorize: options.destination === undefined && Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino(pinoOptions, { write: (line: string) => destination.write(prettify(line)) });
  }
  return pino(pinoOptions, destination);
}

/** Where a log line happened in the stream: the convention for every child logger of a task. */
export interface TaskLogContext {
  readonly task: string;
  readonly topic?: string;
  readonly partition?: number;
}

/** `logger.child({ task, topic, partition })`, leaving out the fields that are not known. */
export function taskLogger(logger: Logger, context: TaskLogContext): Logger {
  const bindings: { task: string; topic?: string; partition?: number } = { task: context.task };
  if (context.topic !== undefined) bindings.topic = context.topic;
  if (context.partition !== undefined) bindings.partition = context.partition;
  return logger.child(bindings);
}
