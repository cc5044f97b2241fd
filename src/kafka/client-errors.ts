/**
 * Wraps client errors at the adapter boundary: KafkaError (keeping whether a retry may help) or, for a fenced
 * transactional producer, TaskMigratedError. The client's error stays reachable as `cause`. Client-neutral: it
 * reads the fields a protocol error carries (`type`, `code`, `retriable`, `cause`), as kafkajs's errors and the
 * memory adapter's (src/kafka/memory/broker-error.ts) have them; a second client adapter maps onto the same.
 */
import { KafkaError, RecordTooLargeError, SluiceError, TaskMigratedError, type ErrorContext } from '../errors/index.ts';

/** The fields kafkajs puts on its errors (KafkaJSProtocolError has `type` and `code`). */
interface KafkajsErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
}

/**
 * Broker answers meaning "another producer owns this transactional id now" (or never may use it).
 * PRODUCER_FENCED (90) is newer than kafkajs's error table: kafkajs reports it as "Unknown error code 90".
 */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
const FENCED_CODES = new Set([47, 53, 90]);
const UNKNOWN_CODE = /^Unknown error code (\d+)$/;

/** The error and its causes, outermost first (kafkajs nests them in retries and non-retriable wrappers). */
export function errorChain(error: unknown): KafkajsErrorFields[] {
  const chain: KafkajsErrorFields[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = (current as KafkajsErrorFields).cause;
  }
  return chain;
}

function brokerCode(error: KafkajsErrorFields): number | undefined {
  if (typeof error.code === 'number' && error.code >= 0) return error.code;
  const match = typeof error.message === 'string' ? UNKNOWN_CODE.exec(error.message) : null;
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** True when any error in the chain is a broker error of one of these types (e.g. 'CONCURRENT_TRANSACTIONS'). */
export function hasErrorType(error: unknown, ...types: string[]): boolean {
  return errorChain(error).some((e) => typeof e.type === 'string' && types.includes(e.type));
}

export function isFencedError(error: unknown): boolean {
  return errorChain(error).some((e) => {
    if (typeof e.type === 'string' && FENCED_TYPES.has(e.type)) return true;
    const code = brokerCode(e);
    return code !== undefined && FENCED_CODES.has(code);
  });
}

/** Whether retrying later may help: some error in the chain says so (a kafkajs retry budget ran out on it). */
export function isRetriable(error: unknown): boolean {
  return !isFencedError(error) && errorChain(error).some((e) => e.retriable === true);
}

/** "KafkaJSProtocolError INVALID_PRODUCER_EPOCH: Producer attempted ..." for messages. */
export function describeError(error: unknown): string {
  const chain = errorChain(error);
  const innermost = chain[chain.length - 1];
  if (innermost === undefined) return String(error);
  const type = typeof innermost.type === 'string' ? ` ${innermost.type}` : '';
  const name = typeof innermost.name === 'string' ? innermost.name : 'Error';
  const message = typeof innermost.message === 'string' ? innermost.message : String(error);
  return `${name}${type}: ${message}`;
}

/** `what` says what failed, e.g. `creating topics orders, clicks`. A SluiceError passes through unchanged. */
export function toKafkaError(error: unknown, what: string, context: ErrorContext = {}): SluiceError {
  if (error instanceof SluiceError) return error;
  return new KafkaError(`${what} failed: ${describeError(error)}`, { cause: error, context, retriable: isRetriable(error) });
}

/** As toKafkaError, but a fenced producer becomes TaskMigratedError (close the task dirty and rejoin). */
export function toProducerError(error: unknown, what: string, context: ErrorContext = {}): SluiceError {
  if (error instanceof SluiceError) return error;
  if (isFencedError(error)) {
    return new TaskMigratedError(`${what} failed: the producer was fenced by a newer one (${describeError(error)})`, {
      cause: error,
      context,
    });
  }
  if (hasErrorType(error, 'MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE')) {
    return new RecordTooLargeError(
      `${what} failed: the broker refused a record as too large (${describeError(error)}); set --max-record-bytes at or below the broker's message.max.bytes so that oversized records are handled by the topology's onError policy`,
      { cause: error, context },
    );
  }
  return toKafkaError(error, what, context);
}
