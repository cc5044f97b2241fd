import { describe, expect, it } from 'vitest';
import { CHECKPOINT_KEY, decodeCheckpoint, encodeCheckpoint, isReservedKey, LEGACY_WATERMARK_KEY } from '../../../src/eos/checkpoint.ts';

describe('checkpoint record', () => {
  it('round-trips watermark and positions', () => {
    const checkpoint = { watermarkMs: -5, offsets: { clicks: '12345678901234567890', 'app-by-user-repartition': '0' } };
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual(checkpoint);
  });

  it('round-trips the highest event time per input, and reads checkpoints without it', () => {
    const checkpoint = { watermarkMs: 10, offsets: { a: '3' }, inputs: { a: 40, b: 10 } };
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual(checkpoint);
    expect(encodeCheckpoint({ watermarkMs: 1, offsets: {}, inputs: {} }).toString()).toBe('{"w":1,"o":{}}');
    expect(decodeCheckpoint(Buffer.from('{"w":1,"o":{},"i":{"a":5,"b":"x"}}'))).toEqual({ watermarkMs: 1, offsets: {}, inputs: { a: 5 } });
  });

  it.each([
    ['null', null],
    ['not JSON', Buffer.from('{')],
    ['no watermark', Buffer.from('{"o":{}}')],
    ['no offsets', Buffer.from('{"w":1}')],
  ])('rejects %s', (_name, value) => {
    expect(decodeCheckpoint(value)).toBeUndefined();
  });

  it('drops offsets that are not decimal strings', () => {
    expect(decodeCheckpoint(Buffer.from('{"w":1,"o":{"a":"1","b":2,"c":"-1"}}'))).toEqual({ watermarkMs: 1, offsets: { a: '1' } });
  });

  it('reserves its keys', () => {
    expect(isReservedKey(CHECKPOINT_KEY)).toBe(true);
    expect(isReservedKey(LEGACY_WATERMARK_KEY)).toBe(true);
    expect(isReservedKey(Buffer.from('"user"'))).toBe(false);
  });
});
