import { describe, expect, it } from 'vitest';
import { decodeTxnOffsetCommitResponse, encodeTxnOffsetCommitRequest } from '../../../../src/kafka/wire/txn-offset-commit.ts';

const int16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return [...b]; };
const int32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return [...b]; };
const int64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return [...b]; };

describe('TxnOffsetCommit v3', () => {
  it('encodes the request: header tagged fields first, the group\'s generation and member, compact strings, -1 leader epoch and null metadata by default', () => {
    const body = encodeTxnOffsetCommitRequest({
      transactionalId: 'tx',
      groupId: 'g',
      producerId: 0x0102030405060708n,
      producerEpoch: 3,
      generationId: 7,
      memberId: 'm-1',
      groupInstanceId: null,
      topics: [{ topic: 'in', partitions: [{ partition: 2, offset: 300n }, { partition: 5, offset: 9n, leaderEpoch: 4, metadata: 'x' }] }],
    });
    expect([...body]).toEqual([
      0, // request header v2: no tagged fields
      3, 0x74, 0x78, // "tx"
      2, 0x67, // "g"
      1, 2, 3, 4, 5, 6, 7, 8, // producer id
      0, 3, // producer epoch
      0, 0, 0, 7, // generation
      4, 0x6d, 0x2d, 0x31, // "m-1"
      0, // group instance id: null
      2, // 1 topic
      3, 0x69, 0x6e, // "in"
      3, // 2 partitions
      ...int32(2), ...int64(300n), ...int32(-1), 0, 0, // no metadata, no tagged fields
      ...int32(5), ...int64(9n), ...int32(4), 2, 0x78, 0,
      0, // topic tagged fields
      0, // request tagged fields
    ]);
  });

  it('encodes a producer not tied to a member: generation -1, member "", a group instance id when given', () => {
    const body = encodeTxnOffsetCommitRequest({ transactionalId: 't', groupId: 'g', producerId: -1n, producerEpoch: -1, generationId: -1, memberId: '', groupInstanceId: 'i', topics: [] });
    expect([...body]).toEqual([0, 2, 0x74, 2, 0x67, ...int64(-1n), ...int16(-1), ...int32(-1), 1, 2, 0x69, 1, 0]);
  });

  it('decodes a response per partition, skipping tagged fields; a truncated one throws RangeError', () => {
    const raw = Buffer.from([
      1, 3, 1, 0xff, // response header: one tagged field (tag 3, 1 byte), skipped
      ...int32(12), // throttle
      3, // 2 topics
      2, 0x61, // "a"
      3, // 2 partitions
      ...int32(0), ...int16(0), 0,
      ...int32(1), ...int16(22), 1, 0, 1, 0x00, // ILLEGAL_GENERATION, a tagged field
      0,
      2, 0x62, // "b"
      2, ...int32(4), ...int16(25), 0, // UNKNOWN_MEMBER_ID
      0,
      0,
    ]);
    expect(decodeTxnOffsetCommitResponse(raw)).toEqual({
      throttleTimeMs: 12,
      partitions: [
        { topic: 'a', partition: 0, errorCode: 0 },
        { topic: 'a', partition: 1, errorCode: 22 },
        { topic: 'b', partition: 4, errorCode: 25 },
      ],
    });
    for (const cut of [1, 5, 10, raw.length - 1]) expect(() => decodeTxnOffsetCommitResponse(raw.subarray(0, raw.length - cut))).toThrow(RangeError);
  });
});
