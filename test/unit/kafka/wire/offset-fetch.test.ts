import { describe, expect, it } from 'vitest';
import { decodeOffsetFetchResponse, encodeOffsetFetchRequest } from '../../../../src/kafka/wire/offset-fetch.ts';

const int16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return [...b]; };
const int32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return [...b]; };
const int64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return [...b]; };

describe('OffsetFetch v7', () => {
  it('encodes the request: header tagged fields, group, topics with partitions, require_stable', () => {
    const body = encodeOffsetFetchRequest({ groupId: 'grp', topics: [{ topic: 'ab', partitions: [0, 258] }, { topic: 'c', partitions: [] }], requireStable: true });
    expect([...body]).toEqual([
      0, // request header v2: no tagged fields
      4, 0x67, 0x72, 0x70, // "grp"
      3, // 2 topics
      3, 0x61, 0x62, 3, 0, 0, 0, 0, 0, 0, 1, 2, 0,
      2, 0x63, 1, 0,
      1, // require_stable
      0, // request tagged fields
    ]);
  });

  it('encodes null topics (every partition of the group) as a null compact array, require_stable off', () => {
    expect([...encodeOffsetFetchRequest({ groupId: 'g', topics: null, requireStable: false })]).toEqual([0, 2, 0x67, 0, 0, 0]);
  });

  it('decodes offsets, leader epochs, metadata, partition and group errors; a truncated response throws RangeError', () => {
    const raw = Buffer.from([
      0, // response header: no tagged fields
      ...int32(0), // throttle
      2, // 1 topic
      3, 0x69, 0x6e, // "in"
      4, // 3 partitions
      ...int32(0), ...int64(1234n), ...int32(5), 3, 0x6d, 0x64, ...int16(0), 0,
      ...int32(1), ...int64(-1n), ...int32(-1), 0, ...int16(88), 0, // UNSTABLE_OFFSET_COMMIT, null metadata
      ...int32(2), ...int64(-1n), ...int32(-1), 1, ...int16(0), 1, 9, 2, 0xaa, 0xbb, // "" metadata, a tagged field
      0, // topic tagged fields
      ...int16(16), // group error: NOT_COORDINATOR
      0,
    ]);
    expect(decodeOffsetFetchResponse(raw)).toEqual({
      throttleTimeMs: 0,
      errorCode: 16,
      partitions: [
        { topic: 'in', partition: 0, committedOffset: 1234n, committedLeaderEpoch: 5, metadata: 'md', errorCode: 0 },
        { topic: 'in', partition: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: 88 },
        { topic: 'in', partition: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      ],
    });
    for (const cut of [1, 2, 3, 20]) expect(() => decodeOffsetFetchResponse(raw.subarray(0, raw.length - cut))).toThrow(RangeError);
  });
});
