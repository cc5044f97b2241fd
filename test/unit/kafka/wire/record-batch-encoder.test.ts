/**
 * The record batch encoder writes the same bytes as kafkajs's RecordBatch for the same records and producer fields,
 * its batches decode back through the adapter's Fetch decoder with every field intact, and the CRC covers what Kafka
 * says it covers.
 */
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fetchV11Decoder, type DecodedFetchResponse } from '../../../../src/kafka/kafkajs/fetch-v11-decoder.ts';
import type { RecordHeaders } from '../../../../src/kafka/types.ts';
import { crc32c } from '../../../../src/kafka/wire/crc32c.ts';
import { RecordBatchBuilder, RECORD_BATCH_HEADER_BYTES } from '../../../../src/kafka/wire/record-batch-encoder.ts';

const require = createRequire(import.meta.url);
type EncoderLike = { buffer: Buffer; writeInt16(v: number): EncoderLike; writeInt32(v: number): EncoderLike; writeInt64(v: number | string): EncoderLike; writeString(v: string): EncoderLike; writeBuffer(v: Buffer): EncoderLike };
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => EncoderLike;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (options: object) => Promise<EncoderLike> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => EncoderLike;
const v11 = require('kafkajs/src/protocol/requests/fetch/v11/response.js') as { decode: (raw: Buffer) => Promise<unknown> & object };
const decode = fetchV11Decoder((v11.decode as { kafkajs?: (raw: Buffer) => Promise<unknown> }).kafkajs ?? v11.decode);

interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestampMs: number;
  headers?: RecordHeaders;
}

const T0 = 1_700_000_000_000;
const RECORDS: TestRecord[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestampMs: T0, headers: { a: '1', 'ü-name': Buffer.from([0, 1, 2]) } },
  { key: null, value: null, timestampMs: T0 + 5 },
  { key: Buffer.alloc(0), value: Buffer.alloc(0), timestampMs: T0 - 3, headers: { empty: '' } },
  { key: Buffer.from('k3'), value: Buffer.alloc(300, 7), timestampMs: T0 + 2 ** 33 },
];

function build(records: readonly TestRecord[], compression: 'none' | 'gzip' = 'none'): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(compression, 64);
  for (const r of records) expect(builder.append(r.key, r.value, r.timestampMs, r.headers)).toBe(true);
  return builder;
}

const FIELDS = { producerId: 4242n, producerEpoch: 3, baseSequence: 17, transactional: true };

async function kafkajsBatch(records: readonly TestRecord[]): Promise<Buffer> {
  const first = (records[0] as TestRecord).timestampMs;
  const encoded = await RecordBatch({
    firstOffset: 0,
    firstTimestamp: first,
    maxTimestamp: Math.max(...records.map((r) => r.timestampMs)),
    lastOffsetDelta: records.length - 1,
    transactional: true,
    producerId: 4242,
    producerEpoch: 3,
    firstSequence: 17,
    partitionLeaderEpoch: -1,
    records: records.map((r, offsetDelta) =>
      Record({ offsetDelta, timestampDelta: r.timestampMs - first, key: r.key, value: r.value, headers: r.headers ?? {} }),
    ),
  });
  return Buffer.from(encoded.buffer);
}

function fetchResponseWith(batch: Buffer): Buffer {
  return new Encoder()
    .writeInt32(0).writeInt16(0).writeInt32(0).writeInt32(1)
    .writeString('t').writeInt32(1)
    .writeInt32(0).writeInt16(0).writeInt64(100).writeInt64(100).writeInt64(0).writeInt32(-1).writeInt32(-1)
    .writeInt32(batch.length).writeBuffer(batch).buffer;
}

describe('RecordBatchBuilder', () => {
  it('writes the bytes kafkajs writes for the same records (header fields, varints, headers, CRC)', async () => {
    const ours = await build(RECORDS).build(FIELDS);
    const theirs = await kafkajsBatch(RECORDS);
    // kafkajs writes partitionLeaderEpoch 0 where the Java client writes -1 (no epoch): compare the rest.
    expect(ours.readInt32BE(12)).toBe(-1);
    theirs.writeInt32BE(-1, 12);
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });

  it('fills in the header as DefaultRecordBatch lays it out', async () => {
    const batch = await build(RECORDS).build({ producerId: 9_007_199_254_740_993n, producerEpoch: 32_767, baseSequence: 2_147_483_000, transactional: false });
    expect(batch.readBigInt64BE(0)).toBe(0n);
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch.readInt8(16)).toBe(2);
    expect(batch.readUInt32BE(17)).toBe(crc32c(batch, 21));
    expect(batch.readInt16BE(21)).toBe(0);
    expect(batch.readInt32BE(23)).toBe(3);
    expect(batch.readBigInt64BE(27)).toBe(BigInt(T0));
    expect(batch.readBigInt64BE(35)).toBe(BigInt(T0 + 2 ** 33));
    expect(batch.readBigInt64BE(43)).toBe(9_007_199_254_740_993n);
    expect(batch.readInt16BE(51)).toBe(32_767);
    expect(batch.readInt32BE(53)).toBe(2_147_483_000);
    expect(batch.readInt32BE(57)).toBe(4);
  });

  it.each(['none', 'gzip'] as const)('decodes back through the Fetch decoder with every field intact (%s)', async (compression) => {
    const batch = await build(RECORDS, compression).build(FIELDS);
    expect(batch.readInt16BE(21)).toBe((compression === 'gzip' ? 1 : 0) | 0x10);
    expect(batch.readUInt32BE(17)).toBe(crc32c(batch, 21));
    const decoded = (await decode(fetchResponseWith(batch))) as DecodedFetchResponse;
    const messages = decoded.responses[0]?.partitions[0]?.messages ?? [];
    expect(messages.map((m) => ({ key: m.key, value: m.value, timestampMs: m.timestampMs, offset: m.offset, headers: { ...m.headers } }))).toEqual(
      RECORDS.map((r, i) => ({
        key: r.key,
        value: r.value,
        timestampMs: r.timestampMs,
        offset: String(i),
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v as string)])),
      })),
    );
    const context = messages[0]?.batchContext;
    expect(context).toMatchObject({ inTransaction: true, producerId: '4242', producerEpoch: 3, firstSequence: 17, isControlBatch: false });
    if (compression === 'gzip') {
      const plain = await build(RECORDS).build(FIELDS);
      expect(gunzipSync(batch.subarray(RECORD_BATCH_HEADER_BYTES))).toEqual(plain.subarray(RECORD_BATCH_HEADER_BYTES));
    }
  });

  it('refuses a record that would take a non-empty batch past the limit, and leaves the batch unchanged', async () => {
    const builder = new RecordBatchBuilder('none', 64);
    expect(builder.append(Buffer.from('a'), Buffer.alloc(100), T0, undefined, 200)).toBe(true);
    const size = builder.sizeBytes;
    expect(builder.append(Buffer.from('b'), Buffer.alloc(100), T0 + 99, undefined, 200)).toBe(false);
    expect(builder.sizeBytes).toBe(size);
    expect(builder.recordCount).toBe(1);
    const batch = await builder.build(FIELDS);
    expect(batch.readBigInt64BE(35)).toBe(BigInt(T0));
    // A first record always goes in, however large: the broker, not the encoder, refuses an oversized record.
    expect(new RecordBatchBuilder().append(null, Buffer.alloc(500), T0, undefined, 100)).toBe(true);
  });

  it('builds the same bytes again for a retry', async () => {
    const builder = build(RECORDS);
    const first = Buffer.from(await builder.build(FIELDS));
    expect(await builder.build(FIELDS)).toEqual(first);
  });
});
