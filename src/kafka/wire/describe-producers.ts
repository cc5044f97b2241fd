/**
 * DescribeProducers (KIP-664), version 0: the producers a partition's leader knows of, with the first offset of the
 * transaction each has open there (-1: none). The leader answers from its partition state, not from the
 * transaction coordinator's: it sees a transaction whose markers were never written even when the coordinator
 * recorded it complete (see src/kafka/kafkajs/leftover-abort.ts).
 *
 *   DescribeProducers Request (v0, flexible) => [topics] TAG_BUFFER
 *     topics => name:COMPACT_STRING [partition_indexes:INT32] TAG_BUFFER
 *   DescribeProducers Response (v0, flexible) => throttle_time_ms:INT32 [topics] TAG_BUFFER
 *     topics => name:COMPACT_STRING [partitions] TAG_BUFFER
 *       partitions => partition_index:INT32 error_code:INT16 error_message:COMPACT_NULLABLE_STRING [active_producers] TAG_BUFFER
 *         active_producers => producer_id:INT64 producer_epoch:INT32 last_sequence:INT32 last_timestamp:INT64
 *                             coordinator_epoch:INT32 current_txn_start_offset:INT64 TAG_BUFFER
 *
 * A flexible request has request header v2 (header v1 and its tagged fields) and response header v1 (the
 * correlation id and its tagged fields). A client that writes header v1 and strips only the correlation id gets
 * the flexible headers by the body starting with the request header's (empty) tagged fields, and by the decoder
 * skipping the response header's.
 */
import { readTopicPartitions, Reader } from './primitives.ts';
import { sizeOfUnsignedVarint, writeUnsignedVarint } from './varint.ts';

export const DESCRIBE_PRODUCERS_API_KEY = 61;
export const DESCRIBE_PRODUCERS_API_VERSION = 0;

export interface DescribeProducersTopic {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** The request body, preceded by the request header's empty tagged fields (one 0 byte). */
export function encodeDescribeProducersRequest(topics: readonly DescribeProducersTopic[]): Buffer {
  let size = 1 + sizeOfUnsignedVarint(topics.length + 1) + 1;
  for (const t of topics) {
    const nameBytes = Buffer.byteLength(t.topic, 'utf8');
    size += sizeOfUnsignedVarint(nameBytes + 1) + nameBytes + sizeOfUnsignedVarint(t.partitions.length + 1) + 4 * t.partitions.length + 1;
  }
  const buffer = Buffer.alloc(size);
  let at = 1; // the request header's tagged fields: none
  at = writeUnsignedVarint(buffer, at, topics.length + 1);
  for (const t of topics) {
    at = writeUnsignedVarint(buffer, at, Buffer.byteLength(t.topic, 'utf8') + 1);
    at += buffer.write(t.topic, at, 'utf8');
    at = writeUnsignedVarint(buffer, at, t.partitions.length + 1);
    for (const p of t.partitions) at = buffer.writeInt32BE(p, at);
    at += 1; // the topic's tagged fields: none
  }
  return buffer; // the last byte: the request's tagged fields, none
}

export interface ActiveProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestampMs: bigint;
  readonly coordinatorEpoch: number;
  /** The first offset of the producer's open transaction on the partition; -1 when none is open. */
  readonly currentTxnStartOffset: bigint;
}

export interface DescribedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly activeProducers: readonly ActiveProducer[];
}

export interface DescribeProducersResponse {
  readonly throttleTimeMs: number;
  readonly partitions: readonly DescribedPartition[];
}

/** Decodes what follows the correlation id: the response header's tagged fields, then the body. Throws RangeError on a truncated body. */
export function decodeDescribeProducersResponse(raw: Buffer): DescribeProducersResponse {
  const r = new Reader(raw);
  r.skipTaggedFields(); // response header v1
  const throttleTimeMs = r.int32();
  const partitions = readTopicPartitions(r, (topic, partition): DescribedPartition => {
    const errorCode = r.int16();
    const errorMessage = r.compactString();
    const producerCount = r.compactLength();
    const activeProducers: ActiveProducer[] = [];
    for (let i = 0; i < producerCount; i++) {
      activeProducers.push({
        producerId: r.int64(),
        producerEpoch: r.int32(),
        lastSequence: r.int32(),
        lastTimestampMs: r.int64(),
        coordinatorEpoch: r.int32(),
        currentTxnStartOffset: r.int64(),
      });
      r.skipTaggedFields();
    }
    return { topic, partition, errorCode, errorMessage, activeProducers };
  });
  r.skipTaggedFields();
  return { throttleTimeMs, partitions };
}
