/**
 * The protocol's primitive types as the hand-written codecs here use them: STRING (int16 length), COMPACT_STRING
 * and COMPACT_NULLABLE_STRING (unsigned varint length + 1, 0 for null), and a reader of response bodies with
 * compact arrays and tagged fields. Every read past the end throws RangeError (Buffer's own reads throw
 * ERR_OUT_OF_RANGE, a RangeError).
 */
import { sizeOfUnsignedVarint, writeUnsignedVarint } from './varint.ts';

/** Bytes of a COMPACT_STRING or COMPACT_NULLABLE_STRING (null: the single 0 byte). */
export function sizeOfCompactString(value: string | null): number {
  if (value === null) return 1;
  const n = Buffer.byteLength(value, 'utf8');
  return sizeOfUnsignedVarint(n + 1) + n;
}

export function writeCompactString(buffer: Buffer, at: number, value: string | null): number {
  if (value === null) return writeUnsignedVarint(buffer, at, 0);
  at = writeUnsignedVarint(buffer, at, Buffer.byteLength(value, 'utf8') + 1);
  return at + buffer.write(value, at, 'utf8');
}

/** Bytes of a non-nullable STRING (int16 length). */
export function sizeOfString(value: string): number {
  return 2 + Buffer.byteLength(value, 'utf8');
}

export function writeString(buffer: Buffer, at: number, value: string): number {
  const n = Buffer.byteLength(value, 'utf8');
  if (n > 0x7fff) throw new RangeError(`string of ${n} bytes is longer than a STRING holds`);
  at = buffer.writeInt16BE(n, at);
  return at + buffer.write(value, at, 'utf8');
}

export class Reader {
  private at = 0;

  constructor(private readonly buffer: Buffer) {}

  int16(): number {
    const v = this.buffer.readInt16BE(this.at);
    this.at += 2;
    return v;
  }

  int32(): number {
    const v = this.buffer.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  int64(): bigint {
    const v = this.buffer.readBigInt64BE(this.at);
    this.at += 8;
    return v;
  }

  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      if (this.at >= this.buffer.length) throw new RangeError('truncated varint');
      const byte = this.buffer[this.at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('varint longer than 5 bytes');
  }

  /** A compact array's length (the varint holds length + 1; 0 is a null array, read as empty). */
  compactLength(): number {
    return Math.max(0, this.unsignedVarint() - 1);
  }

  compactString(): string | null {
    const n = this.unsignedVarint();
    if (n === 0) return null;
    const end = this.at + n - 1;
    if (end > this.buffer.length) throw new RangeError('truncated string');
    const s = this.buffer.toString('utf8', this.at, end);
    this.at = end;
    return s;
  }

  skipTaggedFields(): void {
    const count = this.unsignedVarint();
    for (let i = 0; i < count; i++) {
      this.unsignedVarint(); // tag
      const size = this.unsignedVarint();
      if (this.at + size > this.buffer.length) throw new RangeError('truncated tagged field');
      this.at += size;
    }
  }
}

/**
 * A flexible response's [topics] of [partitions], as DescribeProducers, TxnOffsetCommit and OffsetFetch answer:
 * `partition` reads what follows each partition index, up to (not including) the partition's tagged fields.
 */
export function readTopicPartitions<T>(r: Reader, partition: (topic: string, index: number) => T): T[] {
  const out: T[] = [];
  const topicCount = r.compactLength();
  for (let t = 0; t < topicCount; t++) {
    const topic = r.compactString() ?? '';
    const partitionCount = r.compactLength();
    for (let p = 0; p < partitionCount; p++) {
      out.push(partition(topic, r.int32()));
      r.skipTaggedFields();
    }
    r.skipTaggedFields();
  }
  return out;
}
