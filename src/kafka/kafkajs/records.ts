/**
 * Record conversion between kafkajs and the seam's types, done once at the boundary with plain loops (this is
 * on the hot path: one object per record, no closures or spreads per record).
 */
import type { IHeaders, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { ConsumedRecord, OutputRecord, RecordHeaders } from '../types.ts';
import { DecodedRecord, EMPTY_HEADERS as DECODED_EMPTY_HEADERS } from './fetch-v11-decoder.ts';

/**
 * Most records sent in one kafkajs `sendBatch`. kafkajs groups a batch's messages per partition by copying the
 * partition's array for every message (groupMessagesPerPartition.js: `[...current, message]`), which is
 * quadratic: 10,000 messages to one partition cost ~130 ms, 30,000 ~7 s, 100,000 ~100 s. Below ~2,000 the cost
 * is linear in practice, so larger sends are split into consecutive sendBatch calls of at most this many.
 */
export const MAX_RECORDS_PER_SEND_BATCH = 1_000;

/**
 * kafkajs decodes a repeated header name into an array; the seam keeps one value per name: the last one, as
 * Java's `Headers.lastHeader`. Headers without repeats (nearly all) are passed through without copying.
 */
export function toRecordHeaders(headers: IHeaders | undefined): RecordHeaders {
  if (headers === undefined) return EMPTY_HEADERS;
  for (const name in headers) {
    if (Array.isArray(headers[name])) return lastValues(headers);
  }
  return headers as RecordHeaders;
}

const EMPTY_HEADERS: RecordHeaders = Object.freeze({});

function lastValues(headers: IHeaders): RecordHeaders {
  const result: Record<string, Buffer | string | undefined> = {};
  for (const name in headers) {
    const value = headers[name];
    result[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return result;
}

/** The fields of a kafkajs message the conversion reads (KafkaMessage, and the raw messages of a fetch). */
export interface FetchedMessageFields {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly offset: string;
  readonly headers?: IHeaders;
}

/**
 * A record decoded by fetch-v11-decoder.ts already has every field of a ConsumedRecord and is handed over as is
 * (no copy per record) unless it has repeated headers.
 */
export function toConsumedRecord(message: FetchedMessageFields): ConsumedRecord {
  if (message instanceof DecodedRecord && (message.headers === DECODED_EMPTY_HEADERS || toRecordHeaders(message.headers) === message.headers)) {
    return message as ConsumedRecord;
  }
  return {
    key: message.key,
    value: message.value,
    timestampMs: Number(message.timestamp),
    offset: message.offset,
    headers: toRecordHeaders(message.headers),
  };
}

export function toConsumedRecords(messages: readonly KafkaMessage[]): ConsumedRecord[] {
  const records = new Array<ConsumedRecord>(messages.length);
  for (let i = 0; i < messages.length; i++) records[i] = toConsumedRecord(messages[i] as KafkaMessage);
  return records;
}

function toMessage(record: OutputRecord): Message {
  const message: Message = { key: record.key, value: record.value, timestamp: String(record.timestampMs) };
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.headers !== undefined) message.headers = record.headers as IHeaders;
  return message;
}

/**
 * Groups records by topic, keeping their order within a topic, and cuts them into sendBatch payloads of at most
 * MAX_RECORDS_PER_SEND_BATCH records. Explicit partitions are kept; records without one are placed by kafkajs's
 * default partitioner (murmur2 of the key, as the Java client).
 */
export function toSendBatches(records: readonly OutputRecord[], maxPerBatch = MAX_RECORDS_PER_SEND_BATCH): TopicMessages[][] {
  const batches: TopicMessages[][] = [];
  for (let start = 0; start < records.length; start += maxPerBatch) {
    const end = Math.min(records.length, start + maxPerBatch);
    const byTopic = new Map<string, Message[]>();
    for (let i = start; i < end; i++) {
      const record = records[i] as OutputRecord;
      let messages = byTopic.get(record.topic);
      if (messages === undefined) {
        messages = [];
        byTopic.set(record.topic, messages);
      }
      messages.push(toMessage(record));
    }
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    batches.push(topicMessages);
  }
  return batches;
}
