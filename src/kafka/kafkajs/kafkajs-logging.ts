/** Routes kafkajs's log lines to the sluice logger. */
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { KafkaLogger } from '../logger.ts';

export type KafkajsLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<KafkajsLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function toKafkajsLogLevel(level: KafkajsLogLevel): logLevel {
  return LEVELS[level];
}

/**
 * kafkajs lines that say nothing actionable given how the adapter configures kafkajs:
 * - retries are bounded on purpose (a send must fail in bounded time so the task can abort and recover).
 */
const SUPPRESSED = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/**
 * Error lines kafkajs writes for failures it then retries: every error response (Connection "Response <api>",
 * e.g. a coordinator still loading, CONCURRENT_TRANSACTIONS, a rebalance) and every retried send. A call that
 * finally fails surfaces as an exception the adapter wraps, so these are debug lines here.
 */
function isRetriedFailure(entry: LogEntry): boolean {
  const { namespace, log } = entry;
  return (
    (namespace === 'Connection' && log.message.startsWith('Response ')) ||
    (namespace === 'Producer' && log.message.startsWith('Failed to send messages'))
  );
}

export function kafkajsLogCreator(logger: KafkaLogger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry.log;
    if (SUPPRESSED.has(message)) return;
    const line = { component: 'kafkajs', namespace: entry.namespace, ...fields };
    const level = isRetriedFailure(entry) ? logLevel.DEBUG : entry.level;
    switch (level) {
      case logLevel.ERROR:
        logger.error(line, message);
        break;
      case logLevel.WARN:
        logger.warn(line, message);
        break;
      case logLevel.INFO:
        logger.info(line, message);
        break;
      default:
        logger.debug(line, message);
    }
  };
}
