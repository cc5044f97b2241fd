import { describe, expect, it } from 'vitest';
import { decodeAddOffsetsToTxnResponse, encodeAddOffsetsToTxnRequest } from '../../../../src/kafka/wire/add-offsets-to-txn.ts';

describe('AddOffsetsToTxn v1', () => {
  it('encodes the request with int16-length strings and no tagged fields (not flexible)', () => {
    const body = encodeAddOffsetsToTxnRequest({ transactionalId: 'tx-é', producerId: 4242n, producerEpoch: 2, groupId: 'grp' });
    expect([...body]).toEqual([
      0, 5, 0x74, 0x78, 0x2d, 0xc3, 0xa9, // "tx-é": 5 bytes of UTF-8
      0, 0, 0, 0, 0, 0, 0x10, 0x92, // 4242
      0, 2,
      0, 3, 0x67, 0x72, 0x70, // "grp"
    ]);
  });

  it('decodes throttle time and error right after the correlation id; a truncated response throws RangeError', () => {
    const raw = Buffer.from([0, 0, 1, 0, 0, 51]); // 256 ms, CONCURRENT_TRANSACTIONS
    expect(decodeAddOffsetsToTxnResponse(raw)).toEqual({ throttleTimeMs: 256, errorCode: 51 });
    expect(() => decodeAddOffsetsToTxnResponse(raw.subarray(0, 5))).toThrow(RangeError);
    expect(() => decodeAddOffsetsToTxnResponse(raw.subarray(0, 3))).toThrow(RangeError);
  });

  it('rejects a string longer than a STRING holds', () => {
    expect(() => encodeAddOffsetsToTxnRequest({ transactionalId: 'x'.repeat(0x8000), producerId: 1n, producerEpoch: 0, groupId: 'g' })).toThrow(RangeError);
  });
});
