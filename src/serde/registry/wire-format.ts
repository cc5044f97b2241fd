/**
 * The Confluent wire format: byte 0 is the magic byte 0, bytes 1-4 the schema id (big-endian signed int32),
 * then the payload. Protobuf payloads start with the message indexes: the path from the schema file's
 * top-level messages down to the record's message, written as a zigzag-varint count followed by zigzag-varint
 * indexes; the common path [0] (the file's first message) is written as the single byte 0.
 */

export const MAGIC_BYTE = 0;
/** Magic byte and schema id. */
export const HEADER_BYTES = 5;

/** The schema id of a framed record, or undefined when the bytes are not in the wire format. */
export function readSchemaId(data: Buffer): number | undefined {
  return data.length >= HEADER_BYTES && data[0] === MAGIC_BYTE ? data.readInt32BE(1) : undefined;
}

/** Why `data` is not a framed record, for error messages; undefined when it is one. */
export function framingProblem(data: Buffer): string | undefined {
  if (data.length < HEADER_BYTES) {
    return `${data.length} byte${data.length === 1 ? '' : 's'} is too short for the Confluent wire format (magic byte 0 and a 4-byte schema id)`;
  }
  if (data[0] !== MAGIC_BYTE) {
    return `magic byte is ${data[0]}, expected 0 (not written by a schema-registry serializer)`;
  }
  return undefined;
}

/** A framed record: header, optional protobuf message indexes, payload, in one buffer. */
export function frame(schemaId: number, payload: Uint8Array, messageIndexes?: Uint8Array): Buffer {
  const indexBytes = messageIndexes?.length ?? 0;
  const out = Buffer.allocUnsafe(HEADER_BYTES + indexBytes + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  if (messageIndexes !== undefined) out.set(messageIndexes, HEADER_BYTES);
  out.set(payload, HEADER_BYTES + indexBytes);
  return out;
}

function writeVarint(out: number[], value: number): void {
  let rest = value >>> 0;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
}

const zigzag = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;
const unzigzag = (value: number): number => (value >>> 1) ^ -(value & 1);

/** The bytes of a protobuf message-index path; [0] is the single byte 0, as Confluent's serializer writes it. */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeVarint(out, zigzag(indexes.length));
  for (const index of indexes) writeVarint(out, zigzag(index));
  return Buffer.from(out);
}

export interface MessageIndexes {
  readonly indexes: readonly number[];
  /** Offset in the record where the protobuf payload starts. */
  readonly payloadOffset: number;
}

function readVarint(data: Buffer, offset: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0, at = offset; shift < 35; shift += 7, at++) {
    const byte = data[at];
    if (byte === undefined) throw new Error(`message indexes are truncated at byte ${at}`);
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: value >>> 0, next: at + 1 };
  }
  throw new Error(`message indexes have a varint longer than 5 bytes at byte ${offset}`);
}

/** The most indexes accepted: deeper nesting than this is a corrupt record, not a real schema. */
const MAX_INDEXES = 64;

/** Reads the message indexes that follow the header of a framed protobuf record. Throws when they are corrupt. */
export function decodeMessageIndexes(data: Buffer, offset = HEADER_BYTES): MessageIndexes {
  const count = readVarint(data, offset);
  const length = unzigzag(count.value);
  if (length === 0) return { indexes: [0], payloadOffset: count.next };
  if (length < 0 || length > MAX_INDEXES) throw new Error(`message index count ${length} is out of range (0-${MAX_INDEXES})`);
  const indexes: number[] = [];
  let at = count.next;
  for (let i = 0; i < length; i++) {
    const index = readVarint(data, at);
    const value = unzigzag(index.value);
    if (value < 0) throw new Error(`message index ${value} is negative`);
    indexes.push(value);
    at = index.next;
  }
  return { indexes, payloadOffset: at };
}
