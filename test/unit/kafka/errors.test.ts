import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaError, RecordTooLargeError, SluiceError, TaskMigratedError } from '../../../src/errors/index.ts';
import { hasErrorType, isFencedError, isRetriable, toKafkaError, toProducerError } from '../../../src/kafka/client-errors.ts';

const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError } = kafkajs;

/** kafkajs builds protocol errors from its table entries; unknown codes become code -99 with the number in the message. */
function protocolError(type: string, code: number, retriable: boolean, message = type): Error {
  return new KafkaJSProtocolError({ type, code, retriable, message } as unknown as Error);
}

describe('wrapping kafkajs errors', () => {
  it.each([
    ['INVALID_PRODUCER_EPOCH', protocolError('INVALID_PRODUCER_EPOCH', 47, false)],
    ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', protocolError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53, false)],
    ['PRODUCER_FENCED, unknown to kafkajs', protocolError('KAFKAJS_UNKNOWN_ERROR_CODE', -99, false, 'Unknown error code 90')],
  ])('turns %s into TaskMigratedError, keeping the cause', (_name, error) => {
    const wrapped = toProducerError(error, 'committing');
    expect(wrapped).toBeInstanceOf(TaskMigratedError);
    expect(wrapped.cause).toBe(error);
    expect(wrapped.message).toMatch(/^committing failed: the producer was fenced/);
    expect(isFencedError(new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 1, retryTime: 1 }))).toBe(true);
  });

  it('finds errors through kafkajs’s retry wrappers', () => {
    const inner = protocolError('CONCURRENT_TRANSACTIONS', 51, true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 5, retryTime: 100 });
    expect(hasErrorType(exhausted, 'CONCURRENT_TRANSACTIONS')).toBe(true);
    expect(isRetriable(exhausted)).toBe(true);
    expect(toKafkaError(exhausted, 'sending')).toSatisfy((e: unknown) => e instanceof KafkaError && e.retriable);
  });

  it('keeps whether a retry may help', () => {
    expect(toKafkaError(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), 'connecting').retriable).toBe(true);
    const tooLarge = toKafkaError(protocolError('MESSAGE_TOO_LARGE', 10, false), 'sending 1 records'); // not a producer call
    expect(tooLarge).toBeInstanceOf(KafkaError);
    expect(tooLarge.retriable).toBe(false);
    expect(tooLarge.code).toBe('SLUICE_KAFKA');
    expect(tooLarge.message).toBe('sending 1 records failed: KafkaJSProtocolError MESSAGE_TOO_LARGE: MESSAGE_TOO_LARGE');
  });

  it('a record the broker refuses as too large is a non-retriable RecordTooLargeError saying what to set', () => {
    const error = toProducerError(new KafkaJSNumberOfRetriesExceeded(protocolError('MESSAGE_TOO_LARGE', 10, false), { retryCount: 0, retryTime: 1 }), 'sending 3 records');
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect(error).toBeInstanceOf(KafkaError);
    expect(error.code).toBe('SLUICE_RECORD_TOO_LARGE');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/too large .*--max-record-bytes at or below the broker's message.max.bytes/);
  });

  it('passes sluice errors through and wraps anything else', () => {
    const own = new SluiceError('SLUICE_X', 'x');
    expect(toKafkaError(own, 'anything')).toBe(own);
    expect(toKafkaError('plain string', 'reading', { topic: 't' }).context).toEqual({ topic: 't' });
  });
});
