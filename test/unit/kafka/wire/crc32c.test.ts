/** CRC-32C against the published check value and the RFC 3720 (iSCSI) test vectors. */
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../../src/kafka/wire/crc32c.ts';

describe('crc32c', () => {
  it.each([
    ['"123456789" (the check value)', Buffer.from('123456789'), 0xe3069283],
    ['32 bytes of zeros', Buffer.alloc(32, 0), 0x8a9136aa],
    ['32 bytes of 0xff', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['32 ascending bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    ['32 descending bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
    ['no bytes', Buffer.alloc(0), 0],
  ])('%s', (_name, data, expected) => {
    expect(crc32c(data)).toBe(expected);
  });

  it('covers a sub-range, with any alignment and tail length', () => {
    const data = Buffer.from('xx123456789yyy');
    expect(crc32c(data, 2, 11)).toBe(0xe3069283);
    const long = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    // Byte-at-a-time reference.
    const reference = (bytes: Buffer): number => {
      let crc = ~0;
      for (const byte of bytes) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return ~crc >>> 0;
    };
    for (const [start, end] of [[0, 1000], [1, 999], [3, 10], [5, 5], [7, 512]] as const) {
      expect(crc32c(long, start, end)).toBe(reference(long.subarray(start, end)));
    }
  });
});
