/** The fast Fetch v11 decoder gives exactly what kafkajs's decoder gives, on bytes kafkajs's encoders wrote. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fetchV11Decoder, type FetchDecode } from '../../../src/kafka/kafkajs/fetch-v11-decoder.ts';

const require = createRequire(import.meta.url);
type EncoderLike = { buffer: Buffer; writeInt16(v: number): EncoderLike; writeInt32(v: number): EncoderLike; writeInt64(v: number | string): EncoderLike; writeString(v: string): EncoderLike; writeBuffer(v: Buffer): EncoderLike };
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => EncoderLike;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (options: object) => Promise<EncoderLike> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => EncoderLike;
const { Types } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: { None: number; GZIP: number } };
const v11 = require('kafkajs/src/protocol/requests/fetch/v11/response.js') as { decode: FetchDecode };
/** kafkajs's own decode, also when the adapter's patch already replaced it in this process. */
const kafkajsDecode = v11.decode.kafkajs ?? v11.decode;
const fastDecode = fetchV11Decoder(kafkajsDecode);

interface Decoded {
  responses: { topicName: string; partitions: { messages: Record<string, unknown>[] }[] }[];
}

/** The decoded response with records as plain objects without the added `timestampMs`. */
function asKafkajsDecodes(decoded: unknown): unknown {
  const { responses, ...rest } = decoded as Decoded;
  return {
    ...rest,
    responses: responses.map(({ partitions, ...topic }) => ({
      ...topic,
      partitions: partitions.map(({ messages, ...partition }) => ({
        ...partition,
        messages: messages.map(({ timestampMs: _timestampMs, ...message }) => ({ ...message })),
      })),
    })),
  };
}

const ATTRIBUTES_AT = 21; // base offset (8) + length (4) + leader epoch (4) + magic (1) + crc (4)

async function batch(options: {
  firstOffset: number | string;
  records: { key?: Buffer | null; value?: Buffer | null; headers?: Record<string, string | string[]>; timestampDelta?: number }[];
  transactional?: boolean;
  producerId?: number;
  compression?: number;
  attributes?: number;
}): Promise<Buffer> {
  const encoded = await RecordBatch({
    firstOffset: options.firstOffset,
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_999,
    lastOffsetDelta: options.records.length - 1,
    transactional: options.transactional ?? false,
    producerId: options.producerId ?? -1,
    compression: options.compression ?? Types.None,
    records: options.records.map((r, offsetDelta) =>
      Record({ offsetDelta, timestampDelta: r.timestampDelta ?? offsetDelta * 7, key: r.key ?? null, value: r.value === undefined ? Buffer.from(`v${offsetDelta}`) : r.value, headers: r.headers ?? {} }),
    ),
  });
  const buffer = Buffer.from(encoded.buffer);
  if (options.attributes !== undefined) buffer.writeInt16BE(buffer.readInt16BE(ATTRIBUTES_AT) | options.attributes, ATTRIBUTES_AT);
  return buffer;
}

interface PartitionSpec {
  partition: number;
  aborted: { producerId: number; firstOffset: number }[] | null;
  records: Buffer | null;
}

function fetchResponse(topics: { name: string; partitions: PartitionSpec[] }[]): Buffer {
  const encoder = new Encoder().writeInt32(0).writeInt16(0).writeInt32(0).writeInt32(topics.length);
  for (const topic of topics) {
    encoder.writeString(topic.name).writeInt32(topic.partitions.length);
    for (const p of topic.partitions) {
      encoder.writeInt32(p.partition).writeInt16(0).writeInt64(100).writeInt64(90).writeInt64(0);
      if (p.aborted === null) encoder.writeInt32(-1);
      else {
        encoder.writeInt32(p.aborted.length);
        for (const a of p.aborted) encoder.writeInt64(a.producerId).writeInt64(a.firstOffset);
      }
      encoder.writeInt32(-1);
      if (p.records === null) encoder.writeInt32(-1);
      else encoder.writeInt32(p.records.length).writeBuffer(p.records);
    }
  }
  return encoder.buffer;
}

describe('Fetch v11 decoder', () => {
  it('decodes like kafkajs: headers, nulls, transactions, control and compressed batches, partial tails', async () => {
    const plain = await batch({
      firstOffset: 0,
      records: [
        { key: Buffer.from('k0'), headers: { a: '1' } },
        { key: null, value: null, headers: { dup: ['x', 'y'], b: '2' } },
        { key: Buffer.alloc(0), value: Buffer.alloc(0), timestampDelta: -5 },
      ],
    });
    const transactional = await batch({ firstOffset: 3, transactional: true, producerId: 7, records: [{ key: Buffer.from('t0') }, { key: Buffer.from('t1') }] });
    const commitMarker = await batch({ firstOffset: 5, transactional: true, producerId: 7, attributes: 0x20, records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }] });
    const gzip = await batch({ firstOffset: 6, compression: Types.GZIP, records: Array.from({ length: 5 }, (_, i) => ({ key: Buffer.from(`g${i}`) })) });
    const logAppendTime = await batch({ firstOffset: 11, attributes: 0x8, records: [{ key: Buffer.from('l0') }, { key: Buffer.from('l1') }] });
    const hugeOffsets = await batch({ firstOffset: '9007199254740990', records: [{}, {}, {}, {}] });
    const tail = Buffer.concat([plain, transactional]);
    const response = fetchResponse([
      {
        name: 'topic-a',
        partitions: [
          { partition: 0, aborted: [{ producerId: 7, firstOffset: 3 }], records: Buffer.concat([plain, transactional, commitMarker]) },
          { partition: 1, aborted: null, records: Buffer.concat([gzip, logAppendTime]) },
          { partition: 2, aborted: [], records: null },
          { partition: 3, aborted: null, records: tail.subarray(0, tail.length - 10) },
        ],
      },
      { name: 'topic-b', partitions: [{ partition: 0, aborted: null, records: hugeOffsets }] },
    ]);

    const expected = await kafkajsDecode(response);
    const actual = await fastDecode(response);
    expect(asKafkajsDecodes(actual)).toStrictEqual(expected);

    const partition0 = (actual as { responses: { partitions: { messages: { timestampMs: number; timestamp: string; offset: string }[] }[] }[] }).responses[0]?.partitions[0];
    expect(partition0?.messages.map((m) => [m.offset, m.timestampMs, m.timestamp])).toEqual([
      ['0', 1_700_000_000_000, '1700000000000'],
      ['1', 1_700_000_000_007, '1700000000007'],
      ['2', 1_699_999_999_995, '1699999999995'],
      ['3', 1_700_000_000_000, '1700000000000'],
      ['4', 1_700_000_000_007, '1700000000007'],
      ['5', 1_700_000_000_000, '1700000000000'],
    ]);
    const huge = (actual as { responses: { partitions: { messages: { offset: string }[] }[] }[] }).responses[1]?.partitions[0]?.messages.map((m) => m.offset);
    expect(huge).toEqual(['9007199254740990', '9007199254740991', '9007199254740992', '9007199254740993']);
  });

  it('decodes an empty response like kafkajs', async () => {
    const response = fetchResponse([{ name: 't', partitions: [{ partition: 0, aborted: null, records: Buffer.alloc(0) }] }]);
    expect(asKafkajsDecodes(await fastDecode(response))).toStrictEqual(await kafkajsDecode(response));
  });
});
