/**
 * A faster decoder for Fetch v11 responses (the version kafkajs uses with Kafka >= 2.3), producing the same
 * objects as kafkajs's own (protocol/requests/fetch/v11/response.js `decode`), plus `timestampMs`.
 *
 * kafkajs decodes every record's offset and timestamp with its 64-bit Long class, from strings
 * (`Long.fromValue(firstOffset).add(delta).toString()`), and reads each record through a new Decoder: most of
 * the CPU of a restore and a good part of the consumer's. Here offsets and timestamps are plain numbers per
 * record (the batch's base offset and timestamp are read once, as BigInt, and are far below 2^53), records are
 * instances of one class, and records without headers share one frozen empty headers object.
 *
 * Compressed batches are decompressed with kafkajs's codecs. A response holding a legacy message set (magic 0
 * or 1, gone since Kafka 4.0) is decoded by kafkajs's decoder instead. test/unit/kafka/fetch-v11-decoder.test.ts
 * checks the output against kafkajs's on the same bytes.
 */
import { createRequire } from 'node:module';
import type { IHeaders } from 'kafkajs';

interface Codec {
  decompress(buffer: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);
const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodecByAttributes(attributes: number): Codec | null | undefined;
};

const TIMESTAMP_TYPE_FLAG = 0x8;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
const MAGIC_OFFSET = 16;
const RECORD_BATCH_OVERHEAD = 49;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;
/** Shared by all records without headers (kafkajs gives each its own `{}`); frozen, so nobody changes it for all. */
export const EMPTY_HEADERS: IHeaders = Object.freeze({}) as IHeaders;

/** The record batch header, shared by the batch's records (kafkajs's `batchContext`). */
export interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly partitionLeaderEpoch: number;
  readonly inTransaction: boolean;
  readonly isControlBatch: boolean;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly maxTimestamp: string;
  readonly timestampType: number;
  readonly magicByte: number;
}

/** One record, shaped like kafkajs's decoded message, with the timestamp also as a number. */
export class DecodedRecord {
  readonly magicByte = 2;
  constructor(
    readonly attributes: number,
    readonly timestamp: string,
    readonly timestampMs: number,
    readonly offset: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: IHeaders,
    public isControlRecord: boolean,
    readonly batchContext: BatchContext,
  ) {}
}

export interface DecodedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  lastStartOffset: string;
  abortedTransactions: { producerId: string; firstOffset: string }[];
  preferredReadReplica: number;
  messages: DecodedRecord[];
}

export interface DecodedFetchResponse {
  throttleTime: number;
  clientSideThrottleTime: number;
  errorCode: number;
  sessionId: number;
  responses: { topicName: string; partitions: DecodedPartition[] }[];
}

/** Thrown inside the decoder when the response needs kafkajs's own (legacy message sets). */
class LegacyFormat extends Error {}
/** A record batch cut off by the fetch size limit: the rest of the record set is dropped, as kafkajs does. */
class PartialBatch extends Error {}

/** A cursor over the response buffer. */
class Cursor {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  int8(): number {
    const value = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return value;
  }
  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  int64(): bigint {
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }
  string(): string {
    const length = this.int16();
    if (length < 0) return '';
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  /** Zig-zag varint (int32), as kafkajs's Decoder.readVarInt. */
  varint(): number {
    const buffer = this.buffer;
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buffer[this.offset++] as number;
      result += (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    return (result >>> 1) ^ -(result & 1);
  }
  /** Zig-zag varlong as a number (exact below 2^53, which timestamp deltas are). */
  varlong(): number {
    const buffer = this.buffer;
    let result = 0;
    let multiplier = 1;
    let byte: number;
    do {
      byte = buffer[this.offset++] as number;
      result += (byte & 0x7f) * multiplier;
      multiplier *= 128;
    } while (byte >= 0x80);
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }
  varintBytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  varintString(): string | null {
    const length = this.varint();
    if (length < 0) return null;
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  canRead(bytes: number): boolean {
    return this.offset + bytes <= this.buffer.length;
  }
}

function decodeHeaders(cursor: Cursor): IHeaders {
  const count = cursor.varint();
  if (count <= 0) return EMPTY_HEADERS;
  const headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> = {};
  for (let i = 0; i < count; i++) {
    const key = String(cursor.varintString());
    // A null value stays null, as kafkajs has it.
    const value = cursor.varintBytes() as Buffer;
    const existing = headers[key];
    headers[key] = existing === undefined ? value : Array.isArray(existing) ? existing.concat([value]) : [existing, value];
  }
  return headers;
}

/** Decodes `count` records from the cursor; the records share `context`. */
function decodeRecords(cursor: Cursor, count: number, context: BatchContext, baseOffset: bigint, out: DecodedRecord[]): void {
  const firstTimestamp = Number(context.firstTimestamp);
  const logAppendTime = context.timestampType === LOG_APPEND_TIME;
  const maxTimestamp = Number(context.maxTimestamp);
  const safeBase = baseOffset <= BigInt(Number.MAX_SAFE_INTEGER) - 0x7fffffffn && baseOffset >= 0n;
  const base = Number(baseOffset);
  for (let i = 0; i < count; i++) {
    const length = cursor.varint();
    const end = cursor.offset + length;
    const attributes = cursor.int8();
    const timestampDelta = cursor.varlong();
    const offsetDelta = cursor.varint();
    const key = cursor.varintBytes();
    const value = cursor.varintBytes();
    const headers = decodeHeaders(cursor);
    cursor.offset = end;
    const timestampMs = logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta;
    const offset = safeBase ? String(base + offsetDelta) : String(baseOffset + BigInt(offsetDelta));
    const timestamp = logAppendTime ? context.maxTimestamp : String(timestampMs);
    out.push(new DecodedRecord(attributes, timestamp, timestampMs, offset, key, value, headers, context.isControlBatch, context));
  }
}

async function decodeRecordBatch(cursor: Cursor, out: DecodedRecord[]): Promise<void> {
  const baseOffset = cursor.int64();
  const length = cursor.int32();
  if (!cursor.canRead(length)) throw new PartialBatch();
  const end = cursor.offset + length;
  const partitionLeaderEpoch = cursor.int32();
  const magicByte = cursor.int8();
  cursor.offset += 4; // CRC (not checked, as kafkajs)
  const attributes = cursor.int16();
  const lastOffsetDelta = cursor.int32();
  const firstTimestamp = cursor.int64().toString();
  const maxTimestamp = cursor.int64().toString();
  const producerId = cursor.int64().toString();
  const producerEpoch = cursor.int16();
  const firstSequence = cursor.int32();
  const context: BatchContext = {
    firstOffset: baseOffset.toString(),
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction: (attributes & TRANSACTIONAL_FLAG) > 0,
    isControlBatch: (attributes & CONTROL_FLAG) > 0,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
    magicByte,
  };
  const codec = lookupCodecByAttributes(attributes);
  const count = cursor.int32();
  if (!codec) {
    if (count > 0) decodeRecords(cursor, count, context, baseOffset, out);
  } else if (count > 0) {
    const decompressed = await codec.decompress(cursor.buffer.subarray(cursor.offset, end));
    decodeRecords(new Cursor(decompressed), count, context, baseOffset, out);
  }
  cursor.offset = end;
}

async function decodeRecordSet(cursor: Cursor): Promise<DecodedRecord[]> {
  const size = cursor.int32();
  if (size <= 0 || !cursor.canRead(size)) return [];
  const records = new Cursor(cursor.buffer.subarray(cursor.offset, cursor.offset + size));
  cursor.offset += size;
  if (size > MAGIC_OFFSET && records.buffer.readInt8(MAGIC_OFFSET) !== 2) throw new LegacyFormat();
  const out: DecodedRecord[] = [];
  while (records.canRead(RECORD_BATCH_OVERHEAD)) {
    try {
      await decodeRecordBatch(records, out);
    } catch (error) {
      if (error instanceof PartialBatch) break;
      throw error;
    }
  }
  return out;
}

async function decodeFast(rawData: Buffer): Promise<DecodedFetchResponse> {
  const cursor = new Cursor(rawData);
  const clientSideThrottleTime = cursor.int32();
  const errorCode = cursor.int16();
  const sessionId = cursor.int32();
  const responses: DecodedFetchResponse['responses'] = [];
  const topicCount = cursor.int32();
  for (let t = 0; t < topicCount; t++) {
    const topicName = cursor.string();
    const partitions: DecodedPartition[] = [];
    const partitionCount = cursor.int32();
    for (let p = 0; p < partitionCount; p++) {
      const partition = cursor.int32();
      const partitionErrorCode = cursor.int16();
      const highWatermark = cursor.int64().toString();
      const lastStableOffset = cursor.int64().toString();
      const lastStartOffset = cursor.int64().toString();
      const abortedCount = cursor.int32();
      const abortedTransactions: DecodedPartition['abortedTransactions'] = [];
      for (let a = 0; a < abortedCount; a++) {
        const producerId = cursor.int64().toString();
        abortedTransactions.push({ producerId, firstOffset: cursor.int64().toString() });
      }
      const preferredReadReplica = cursor.int32();
      const messages = await decodeRecordSet(cursor);
      partitions.push({
        partition,
        errorCode: partitionErrorCode,
        highWatermark,
        lastStableOffset,
        lastStartOffset,
        abortedTransactions,
        preferredReadReplica,
        messages,
      });
    }
    responses.push({ topicName, partitions });
  }
  return { throttleTime: 0, clientSideThrottleTime, errorCode, sessionId, responses };
}

export type FetchDecode = ((rawData: Buffer) => Promise<unknown>) & { readonly kafkajs?: (rawData: Buffer) => Promise<unknown> };

/**
 * Decodes with this decoder, or with `kafkajs` (kafkajs's own, kept as the returned function's `kafkajs`) when
 * the response holds a legacy message set.
 */
export function fetchV11Decoder(kafkajs: (rawData: Buffer) => Promise<unknown>): FetchDecode {
  const decode = async (rawData: Buffer): Promise<unknown> => {
    try {
      return await decodeFast(rawData);
    } catch (error) {
      if (error instanceof LegacyFormat) return kafkajs(rawData);
      throw error;
    }
  };
  return Object.assign(decode, { kafkajs });
}
