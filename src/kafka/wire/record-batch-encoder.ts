/**
 * Encodes one Kafka record batch (magic 2) directly into a Buffer: records are appended as they come, without an
 * object per record, and the 61-byte batch header is filled in when the batch is built (the producer id, epoch and
 * base sequence are known only then). Layout (org.apache.kafka.common.record.DefaultRecordBatch):
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 *   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 | producerId int64 |
 *   producerEpoch int16 | baseSequence int32 | recordCount int32 | records…
 *
 * The CRC-32C covers attributes to the end. A record (DefaultRecord) is
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | key varint-bytes |
 *   value varint-bytes | headerCount varint | (name varint-string, value varint-bytes)…
 * with deltas against the batch's first record, as the Java producer writes them. With compression the records
 * (everything after the header) are compressed as one block.
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { RecordHeaders } from '../types.ts';
import { crc32c } from './crc32c.ts';
import { sizeOfUnsignedVarint, sizeOfVarint, writeVarint } from './varint.ts';

export type CompressionCodec = 'none' | 'gzip';

/** Attribute bits of the codecs (the low three bits of the batch attributes). */
const CODEC_ID: Record<CompressionCodec, number> = { none: 0, gzip: 1 };
const TRANSACTIONAL_FLAG = 0x10;
export const RECORD_BATCH_HEADER_BYTES = 61;
const MAGIC = 2;
const NO_PARTITION_LEADER_EPOCH = -1;
const INITIAL_CAPACITY = 1024;
const gzipAsync = promisify(gzip);

/** What the producer fills in when the batch is sent. */
export interface BatchProducerFields {
  /** -1 when not idempotent. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly transactional: boolean;
}

export class RecordBatchBuilder {
  private buffer: Buffer;
  private offset = RECORD_BATCH_HEADER_BYTES;
  private count = 0;
  private firstTimestampMs = 0;
  private maxTimestampMs = 0;

  constructor(
    readonly compression: CompressionCodec = 'none',
    initialCapacity = INITIAL_CAPACITY,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialCapacity, RECORD_BATCH_HEADER_BYTES + 64));
  }

  get recordCount(): number {
    return this.count;
  }

  /** Uncompressed size of the batch so far, header included. */
  get sizeBytes(): number {
    return this.offset;
  }

  /**
   * Appends one record, unless the batch holds records already and this one would take it past `limitBytes`
   * (then returns false and leaves the batch as it was). A first record is always appended.
   */
  append(key: Buffer | null, value: Buffer | null, timestampMs: number, headers: RecordHeaders | undefined, limitBytes = Infinity): boolean {
    const timestampDelta = this.count === 0 ? 0 : timestampMs - this.firstTimestampMs;
    const offsetDelta = this.count;
    const keyLength = key === null ? -1 : key.length;
    const valueLength = value === null ? -1 : value.length;
    let headerCount = 0;
    let headersSize = 0;
    if (headers !== undefined) {
      for (const name in headers) {
        const headerValue = headers[name];
        const nameLength = Buffer.byteLength(name, 'utf8');
        const valueSize = headerValue === undefined ? -1 : typeof headerValue === 'string' ? Buffer.byteLength(headerValue, 'utf8') : headerValue.length;
        headersSize += sizeOfVarint(nameLength) + nameLength + sizeOfVarint(valueSize) + (valueSize > 0 ? valueSize : 0);
        headerCount++;
      }
    }
    const bodySize =
      1 +
      sizeOfVarint(timestampDelta) +
      sizeOfVarint(offsetDelta) +
      sizeOfVarint(keyLength) +
      (keyLength > 0 ? keyLength : 0) +
      sizeOfVarint(valueLength) +
      (valueLength > 0 ? valueLength : 0) +
      sizeOfUnsignedVarint(headerCount * 2) +
      headersSize;
    const total = sizeOfVarint(bodySize) + bodySize;
    if (this.count > 0 && this.offset + total > limitBytes) return false;
    if (this.count === 0) {
      this.firstTimestampMs = timestampMs;
      this.maxTimestampMs = timestampMs;
    } else if (timestampMs > this.maxTimestampMs) {
      this.maxTimestampMs = timestampMs;
    }
    this.ensureCapacity(total);
    const buffer = this.buffer;
    let at = writeVarint(buffer, this.offset, bodySize);
    buffer[at++] = 0;
    at = writeVarint(buffer, at, timestampDelta);
    at = writeVarint(buffer, at, offsetDelta);
    at = writeVarint(buffer, at, keyLength);
    if (keyLength > 0) at += (key as Buffer).copy(buffer, at);
    at = writeVarint(buffer, at, valueLength);
    if (valueLength > 0) at += (value as Buffer).copy(buffer, at);
    at = writeVarint(buffer, at, headerCount);
    if (headerCount > 0) {
      for (const name in headers) {
        const headerValue = (headers as RecordHeaders)[name];
        at = writeVarint(buffer, at, Buffer.byteLength(name, 'utf8'));
        at += buffer.write(name, at, 'utf8');
        if (headerValue === undefined) {
          at = writeVarint(buffer, at, -1);
        } else if (typeof headerValue === 'string') {
          at = writeVarint(buffer, at, Buffer.byteLength(headerValue, 'utf8'));
          at += buffer.write(headerValue, at, 'utf8');
        } else {
          at = writeVarint(buffer, at, headerValue.length);
          at += headerValue.copy(buffer, at);
        }
      }
    }
    this.offset = at;
    this.count++;
    return true;
  }

  private ensureCapacity(extra: number): void {
    const needed = this.offset + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  /**
   * The finished batch (header filled in, compressed if configured, CRC computed). Building again with the same
   * fields gives the same bytes, so a retry resends exactly what the broker may already have deduplicated.
   */
  async build(fields: BatchProducerFields): Promise<Buffer> {
    if (this.count === 0) throw new RangeError('cannot build an empty record batch');
    let batch: Buffer;
    if (this.compression === 'none') {
      batch = this.buffer.subarray(0, this.offset);
    } else {
      const compressed = await gzipAsync(this.buffer.subarray(RECORD_BATCH_HEADER_BYTES, this.offset));
      batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_BYTES + compressed.length);
      compressed.copy(batch, RECORD_BATCH_HEADER_BYTES);
    }
    const attributes = CODEC_ID[this.compression] | (fields.transactional ? TRANSACTIONAL_FLAG : 0);
    writeHeader(batch, attributes, this.count, this.firstTimestampMs, this.maxTimestampMs, fields);
    return batch;
  }
}

function writeHeader(
  batch: Buffer,
  attributes: number,
  count: number,
  firstTimestampMs: number,
  maxTimestampMs: number,
  fields: BatchProducerFields,
): void {
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(NO_PARTITION_LEADER_EPOCH, 12);
  batch.writeInt8(MAGIC, 16);
  batch.writeInt16BE(attributes, 21);
  batch.writeInt32BE(count - 1, 23);
  batch.writeBigInt64BE(BigInt(firstTimestampMs), 27);
  batch.writeBigInt64BE(BigInt(maxTimestampMs), 35);
  batch.writeBigInt64BE(fields.producerId, 43);
  batch.writeInt16BE(fields.producerEpoch, 51);
  batch.writeInt32BE(fields.baseSequence, 53);
  batch.writeInt32BE(count, 57);
  batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17);
}
