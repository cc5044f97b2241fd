/** Kafka's zigzag varints and varlongs (org.apache.kafka.common.utils.ByteUtils), sizes and bytes. */
import { describe, expect, it } from 'vitest';
import { sizeOfVarint, writeVarint, writeUnsignedVarint, sizeOfUnsignedVarint } from '../../../../src/kafka/wire/varint.ts';

function varint(value: number): number[] {
  const buffer = Buffer.alloc(10);
  const end = writeVarint(buffer, 0, value);
  expect(end).toBe(sizeOfVarint(value));
  return [...buffer.subarray(0, end)];
}

describe('varint', () => {
  it.each([
    [0, [0x00]],
    [-1, [0x01]],
    [1, [0x02]],
    [-2, [0x03]],
    [63, [0x7e]],
    [-64, [0x7f]],
    [64, [0x80, 0x01]],
    [300, [0xd8, 0x04]],
    [2_147_483_647, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
    [-2_147_483_648, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    // varlongs: timestamp deltas beyond 32 bits (bytes as kafkajs's and the Java client's writeVarlong give them)
    [2_147_483_648, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [1_700_000_000_000, [0x80, 0xa0, 0xab, 0xfe, 0xf9, 0x62]],
    [-1_700_000_000_000, [0xff, 0x9f, 0xab, 0xfe, 0xf9, 0x62]],
    [Number.MAX_SAFE_INTEGER, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]],
  ])('%d', (value, bytes) => {
    expect(varint(value)).toEqual(bytes);
  });

  it('unsigned sizes match the bytes written at every length boundary', () => {
    for (let bits = 0; bits <= 52; bits++) {
      for (const value of [2 ** bits - 1, 2 ** bits]) {
        const buffer = Buffer.alloc(10);
        expect(writeUnsignedVarint(buffer, 0, value)).toBe(sizeOfUnsignedVarint(value));
      }
    }
  });
});
