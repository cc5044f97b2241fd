import { describe, expect, it } from 'vitest';
import { groupOffsetsPartition } from '../../../../src/kafka/kafkajs/open-transactions.ts';
import { decodeDescribeProducersResponse, encodeDescribeProducersRequest } from '../../../../src/kafka/wire/describe-producers.ts';

describe('DescribeProducers v0', () => {
  it('encodes the request with the flexible header\'s tagged fields first, compact arrays and strings', () => {
    const body = encodeDescribeProducersRequest([
      { topic: 'ab', partitions: [0, 258] },
      { topic: 'c', partitions: [] },
    ]);
    expect([...body]).toEqual([
      0, // request header v2: no tagged fields
      3, // 2 topics
      3, 0x61, 0x62, // "ab"
      3, 0, 0, 0, 0, 0, 0, 1, 2, // [0, 258]
      0, // topic tagged fields
      2, 0x63, // "c"
      1, // []
      0,
      0, // request tagged fields
    ]);
  });

  it('decodes a response: the header\'s tagged fields, errors, messages, producers and their open transactions', () => {
    const int16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return [...b]; };
    const int32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return [...b]; };
    const int64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return [...b]; };
    const raw = Buffer.from([
      1, 5, 2, 0xaa, 0xbb, // response header: one tagged field (tag 5, 2 bytes), skipped
      ...int32(7), // throttle
      2, // 1 topic
      4, ...Buffer.from('out'),
      3, // 2 partitions
      ...int32(0), ...int16(0), 0, // no message
      3, // 2 producers
      ...int64(4242n), ...int32(3), ...int32(17), ...int64(1_800_000_000_000n), ...int32(2), ...int64(120n), 0,
      ...int64(9n), ...int32(0), ...int32(-1), ...int64(-1n), ...int32(-1), ...int64(-1n), 0,
      0,
      ...int32(1), ...int16(6), 8, ...Buffer.from('not me!'), 1, 0,
      0,
      0,
    ]);
    expect(decodeDescribeProducersResponse(raw)).toEqual({
      throttleTimeMs: 7,
      partitions: [
        {
          topic: 'out',
          partition: 0,
          errorCode: 0,
          errorMessage: null,
          activeProducers: [
            { producerId: 4242n, producerEpoch: 3, lastSequence: 17, lastTimestampMs: 1_800_000_000_000n, coordinatorEpoch: 2, currentTxnStartOffset: 120n },
            { producerId: 9n, producerEpoch: 0, lastSequence: -1, lastTimestampMs: -1n, coordinatorEpoch: -1, currentTxnStartOffset: -1n },
          ],
        },
        { topic: 'out', partition: 1, errorCode: 6, errorMessage: 'not me!', activeProducers: [] },
      ],
    });
    expect(() => decodeDescribeProducersResponse(raw.subarray(0, raw.length - 12))).toThrow(RangeError);
  });

  it('places a group on the offsets topic as the group coordinator does (Java String.hashCode, sign bit cleared)', () => {
    // Values from Java 17: (s.hashCode() & 0x7fffffff) % n.
    expect([groupOffsetsPartition('sluice-app', 50), groupOffsetsPartition('sluice-app', 8)]).toEqual([13, 3]);
    expect([groupOffsetsPartition('orders-app', 50), groupOffsetsPartition('orders-app', 8)]).toEqual([5, 1]);
    expect([groupOffsetsPartition('ü-group-😀', 50), groupOffsetsPartition('ü-group-😀', 8)]).toEqual([40, 2]);
    expect(groupOffsetsPartition('x', 50)).toBe(20);
  });
});
