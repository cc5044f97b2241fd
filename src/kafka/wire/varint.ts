/**
 * Kafka's variable-length integers (protobuf style, zigzag for signed values), written straight into a Buffer.
 * `sizeOf*` and `write*` come in pairs so a record's length can be written before its body without a second pass.
 * Varlongs are exact for safe integers (|v| < 2^53), which covers every millisecond timestamp delta.
 */
const TWO_POW_31 = 2 ** 31;

/** Bytes of an unsigned varint of a non-negative safe integer. */
export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let rest = Math.floor(value / 0x10000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 0x80);
  }
  return size;
}

/** Zigzag of a signed safe integer: 0, -1, 1, -2 … → 0, 1, 2, 3 … */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(zigzag(value));
}

/** Writes `value` (non-negative safe integer) at `offset`; returns the offset after it. */
export function writeUnsignedVarint(buffer: Buffer, offset: number, value: number): number {
  if (value < TWO_POW_31) {
    let v = value;
    while (v >= 0x80) {
      buffer[offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[offset++] = v;
    return offset;
  }
  let v = value;
  while (v >= 0x80) {
    buffer[offset++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buffer[offset++] = v;
  return offset;
}

/** Writes a signed safe integer zigzag-encoded; returns the offset after it. */
export function writeVarint(buffer: Buffer, offset: number, value: number): number {
  return writeUnsignedVarint(buffer, offset, zigzag(value));
}
