/** Produce v7: the request body as kafkajs's own v7 encoder writes it, and the response's per-partition codes. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { RecordTooLargeError, KafkaError, TaskMigratedError } from '../../../../src/errors/index.ts';
import { toProducerError } from '../../../../src/kafka/client-errors.ts';
import { createErrorFromCode } from '../../../../src/kafka/kafkajs/kafkajs-eos-internals.ts';
import { decodeProduceResponse, encodeProduceRequest } from '../../../../src/kafka/wire/produce-request.ts';

const require = createRequire(import.meta.url);
type EncoderLike = { buffer: Buffer; writeInt16(v: number): EncoderLike; writeInt32(v: number): EncoderLike; writeInt64(v: number | string): EncoderLike; writeString(v: string): EncoderLike };
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => EncoderLike;

describe('Produce v7', () => {
  it('encodes transactional id, acks, timeout and each partition’s batch', () => {
    const batchA = Buffer.from('batch-a');
    const batchB = Buffer.from('bb');
    const body = encodeProduceRequest({
      transactionalId: 'app-1_0',
      acks: -1,
      timeoutMs: 30_000,
      topics: [
        { topic: 'out', partitions: [{ partition: 0, batch: batchA }, { partition: 3, batch: batchB }] },
        { topic: 'app-store-changelog', partitions: [{ partition: 1, batch: batchA }] },
      ],
    });
    const expected = new Encoder().writeString('app-1_0').writeInt16(-1).writeInt32(30_000).writeInt32(2)
      .writeString('out').writeInt32(2).writeInt32(0).writeInt32(batchA.length);
    const parts = [expected.buffer, batchA, new Encoder().writeInt32(3).writeInt32(batchB.length).buffer, batchB,
      new Encoder().writeString('app-store-changelog').writeInt32(1).writeInt32(1).writeInt32(batchA.length).buffer, batchA];
    expect(body.toString('hex')).toBe(Buffer.concat(parts).toString('hex'));
    expect(encodeProduceRequest({ transactionalId: null, acks: 1, timeoutMs: 5, topics: [] }).toString('hex')).toBe('ffff00010000000500000000');
  });

  it('decodes every partition’s error code and base offset', () => {
    const response = new Encoder().writeInt32(2)
      .writeString('out').writeInt32(2)
      .writeInt32(0).writeInt16(0).writeInt64('9007199254740993').writeInt64(-1).writeInt64(0)
      .writeInt32(1).writeInt16(6).writeInt64(-1).writeInt64(-1).writeInt64(-1)
      .writeString('gone').writeInt32(1)
      .writeInt32(0).writeInt16(3).writeInt64(-1).writeInt64(-1).writeInt64(-1)
      .writeInt32(25).buffer;
    expect(decodeProduceResponse(response)).toEqual({
      partitions: [
        { topic: 'out', partition: 0, errorCode: 0, baseOffset: 9_007_199_254_740_993n },
        { topic: 'out', partition: 1, errorCode: 6, baseOffset: -1n },
        { topic: 'gone', partition: 0, errorCode: 3, baseOffset: -1n },
      ],
      throttleTimeMs: 25,
    });
    expect(() => decodeProduceResponse(response.subarray(0, 20))).toThrow(RangeError);
  });

  it.each([
    [47, 'INVALID_PRODUCER_EPOCH', TaskMigratedError, false],
    [90, 'PRODUCER_FENCED', TaskMigratedError, false],
    [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', KafkaError, false],
    [10, 'MESSAGE_TOO_LARGE', RecordTooLargeError, false],
    [6, 'NOT_LEADER_FOR_PARTITION', KafkaError, true],
  ] as const)('a partition error code %d (%s) becomes the typed error the task handles', (code, _name, type, retriable) => {
    const error = toProducerError(createErrorFromCode(code), 'producing 3 records to out partition 1', { topic: 'out', partition: 1 });
    expect(error).toBeInstanceOf(type);
    expect(error.retriable).toBe(retriable);
    expect(error.context).toMatchObject({ topic: 'out', partition: 1 });
    expect(error.message).toContain('out partition 1');
  });
});
