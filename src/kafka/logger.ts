/**
 * The logger the Kafka adapters write to: the four pino methods sluice uses, called as `(fields, message)`.
 * A pino logger satisfies it; src/kafka/ does not import pino so that an adapter stays usable on its own.
 */
export interface KafkaLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Drops everything; the default when no logger is given. */
export const silentKafkaLogger: KafkaLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
