import { describe, expect, it } from 'vitest';
import { DeserializationError, serdes } from '../../../src/index.ts';

const context = { topic: 'in', isKey: false };
const invalid = Buffer.from([0x61, 0xff, 0xfe, 0x62]);

describe('built-in serdes refuse hostile input', () => {
  it.each([
    ['string', serdes.string()],
    ['nullableString', serdes.nullableString()],
    ['json', serdes.json()],
  ] as const)('%s rejects invalid UTF-8 instead of replacing it', (_, serde) => {
    expect(() => serde.deserialize(invalid, context)).toThrow(DeserializationError);
    expect(() => serde.deserialize(invalid, context)).toThrow(/value of topic "in" is not valid UTF-8/);
  });

  it('still decodes valid UTF-8, multi-byte included', () => {
    expect(serdes.string().deserialize(Buffer.from('héllo ✓', 'utf8'), context)).toBe('héllo ✓');
    expect(serdes.json().deserialize(Buffer.from('{"a":"✓"}', 'utf8'), context)).toEqual({ a: '✓' });
  });

  it.each([
    ['truncated JSON', '{"ts": 12'],
    ['NaN', '{"ts": NaN}'],
    ['random bytes that are UTF-8', '\u0001\u0002'],
  ])('json rejects %s', (_, text) => {
    expect(() => serdes.json().deserialize(Buffer.from(text), context)).toThrow(DeserializationError);
  });

  it('parses deeply nested JSON without overflowing the stack', () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    expect(Array.isArray(serdes.json().deserialize(Buffer.from(deep), context))).toBe(true);
  });
});
