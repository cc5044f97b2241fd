import { describe, expect, it } from 'vitest';
import {
  decodeMessageIndexes,
  encodeMessageIndexes,
  frame,
  framingProblem,
  HEADER_BYTES,
  readSchemaId,
} from '../../../../src/serde/registry/wire-format.ts';

describe('Confluent wire format header', () => {
  it.each([
    { name: 'id 1', bytes: [0, 0, 0, 0, 1, 0xaa], id: 1 },
    { name: 'id 258', bytes: [0, 0, 0, 1, 2], id: 258 },
    { name: 'largest id', bytes: [0, 0x7f, 0xff, 0xff, 0xff], id: 2147483647 },
    { name: 'negative id (signed int32)', bytes: [0, 0xff, 0xff, 0xff, 0xff], id: -1 },
    { name: 'magic byte 1', bytes: [1, 0, 0, 0, 1, 0], id: undefined },
    { name: 'too short', bytes: [0, 0, 0, 1], id: undefined },
    { name: 'empty', bytes: [], id: undefined },
  ])('reads the schema id: $name', ({ bytes, id }) => {
    expect(readSchemaId(Buffer.from(bytes))).toBe(id);
  });

  it('says why bytes are not framed', () => {
    expect(framingProblem(Buffer.from([0, 0, 0, 0, 7]))).toBeUndefined();
    expect(framingProblem(Buffer.from([0, 0]))).toMatch(/2 bytes is too short/);
    expect(framingProblem(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a]))).toMatch(/magic byte is 123, expected 0/);
  });

  it('frames a payload behind magic byte 0 and the big-endian id', () => {
    const framed = frame(0x01020304, Buffer.from('xyz'));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 0x78, 0x79, 0x7a]);
    expect(readSchemaId(framed)).toBe(0x01020304);
    expect(framed.subarray(HEADER_BYTES).toString()).toBe('xyz');
  });

  it('frames protobuf message indexes between the header and the payload', () => {
    const framed = frame(5, Buffer.from([0x0a, 0x00]), encodeMessageIndexes([1, 0]));
    expect([...framed]).toEqual([0, 0, 0, 0, 5, 4, 2, 0, 0x0a, 0x00]);
  });
});

describe('protobuf message indexes', () => {
  // Expected bytes as Confluent's ProtobufSchema/MessageIndexes writes them: zigzag varints, [0] as one 0.
  it.each([
    { indexes: [0], bytes: [0] },
    { indexes: [1], bytes: [2, 2] },
    { indexes: [1, 0], bytes: [4, 2, 0] },
    { indexes: [0, 2, 1], bytes: [6, 0, 4, 2] },
    { indexes: [64], bytes: [2, 0x80, 0x01] },
    { indexes: [300], bytes: [2, 0xd8, 0x04] },
  ])('encodes and decodes $indexes', ({ indexes, bytes }) => {
    expect([...encodeMessageIndexes(indexes)]).toEqual(bytes);
    const record = Buffer.from([0, 0, 0, 0, 9, ...bytes, 0x0a]);
    expect(decodeMessageIndexes(record)).toEqual({ indexes, payloadOffset: HEADER_BYTES + bytes.length });
  });

  it('reads an explicit [0] (count 1, index 0) written by other serializers', () => {
    expect(decodeMessageIndexes(Buffer.from([0, 0, 0, 0, 9, 2, 0]))).toEqual({ indexes: [0], payloadOffset: 7 });
  });

  it.each([
    { name: 'nothing after the header', bytes: [], error: /truncated/ },
    { name: 'count without indexes', bytes: [4, 2], error: /truncated/ },
    { name: 'unterminated varint', bytes: [0x80, 0x80], error: /truncated/ },
    { name: 'negative count', bytes: [1], error: /out of range/ },
    { name: 'huge count', bytes: [0xfe, 0x01], error: /out of range/ },
    { name: 'negative index', bytes: [2, 1], error: /negative/ },
    { name: 'varint over 5 bytes', bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], error: /longer than 5 bytes/ },
  ])('rejects corrupt indexes: $name', ({ bytes, error }) => {
    expect(() => decodeMessageIndexes(Buffer.from([0, 0, 0, 0, 9, ...bytes]))).toThrow(error);
  });
});
