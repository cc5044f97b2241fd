/**
 * OffsetFetch, version 7 (KIP-447): a group's committed offsets, asked of its group coordinator, with
 * require_stable. With require_stable set, a partition whose offsets an open transaction has written
 * (TxnOffsetCommit, txn-offset-commit.ts) answers UNSTABLE_OFFSET_COMMIT (88, retriable) instead of the offset
 * committed before the transaction, so a consumer taking over the partition does not start from an offset the
 * transaction is about to move.
 *
 * Version 7 is the first with require_stable and the last with the single-group layout (8 asks for several
 * groups; 9 adds the member id and epoch of the consumer protocol; 10 uses topic ids). Kafka 4.x accepts 1-10
 * (OffsetFetchRequest.json, validVersions "1-10": 4.0 removed version 0).
 *
 *   OffsetFetch Request (v7, flexible) => group_id:COMPACT_STRING [topics] require_stable:BOOLEAN TAG_BUFFER
 *     topics => name:COMPACT_STRING [partition_indexes:INT32] TAG_BUFFER
 *     (topics is a nullable compact array: null asks for every partition the group has an offset for)
 *   OffsetFetch Response (v7, flexible) => throttle_time_ms:INT32 [topics] error_code:INT16 TAG_BUFFER
 *     topics => name:COMPACT_STRING [partitions] TAG_BUFFER
 *       partitions => partition_index:INT32 committed_offset:INT64 committed_leader_epoch:INT32
 *                     metadata:COMPACT_NULLABLE_STRING error_code:INT16 TAG_BUFFER
 *
 * A partition without a committed offset answers committed_offset -1. Flexible headers as in
 * describe-producers.ts: the body starts with the request header's (empty) tagged fields, and the decoder skips
 * the response header's.
 */
import { readTopicPartitions, Reader, sizeOfCompactString, writeCompactString } from './primitives.ts';
import { sizeOfUnsignedVarint, writeUnsignedVarint } from './varint.ts';

export const OFFSET_FETCH_API_KEY = 9;
export const OFFSET_FETCH_API_VERSION = 7;

/** The error a partition answers, with require_stable, while an open transaction holds offsets for it. */
export const UNSTABLE_OFFSET_COMMIT = 88;

export interface OffsetFetchTopic {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface OffsetFetchRequest {
  readonly groupId: string;
  /** null: every partition the group has an offset for. */
  readonly topics: readonly OffsetFetchTopic[] | null;
  readonly requireStable: boolean;
}

/** The request body, preceded by the request header's empty tagged fields (one 0 byte). */
export function encodeOffsetFetchRequest(request: OffsetFetchRequest): Buffer {
  const topics = request.topics;
  let size = 1 + sizeOfCompactString(request.groupId) + sizeOfUnsignedVarint(topics === null ? 0 : topics.length + 1) + 1 + 1;
  for (const t of topics ?? []) size += sizeOfCompactString(t.topic) + sizeOfUnsignedVarint(t.partitions.length + 1) + 4 * t.partitions.length + 1;
  const buffer = Buffer.alloc(size);
  let at = 1; // the request header's tagged fields: none
  at = writeCompactString(buffer, at, request.groupId);
  at = writeUnsignedVarint(buffer, at, topics === null ? 0 : topics.length + 1);
  for (const t of topics ?? []) {
    at = writeCompactString(buffer, at, t.topic);
    at = writeUnsignedVarint(buffer, at, t.partitions.length + 1);
    for (const p of t.partitions) at = buffer.writeInt32BE(p, at);
    at += 1; // the topic's tagged fields: none
  }
  buffer.writeUInt8(request.requireStable ? 1 : 0, at);
  return buffer; // the last byte: the request's tagged fields, none
}

export interface FetchedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has no offset for the partition. */
  readonly committedOffset: bigint;
  readonly committedLeaderEpoch: number;
  readonly metadata: string | null;
  readonly errorCode: number;
}

export interface OffsetFetchResponse {
  readonly throttleTimeMs: number;
  /** The group's error (e.g. NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS); 0 when none. */
  readonly errorCode: number;
  readonly partitions: readonly FetchedOffset[];
}

/** Decodes what follows the correlation id: the response header's tagged fields, then the body. Throws RangeError on a truncated body. */
export function decodeOffsetFetchResponse(raw: Buffer): OffsetFetchResponse {
  const r = new Reader(raw);
  r.skipTaggedFields(); // response header v1
  const throttleTimeMs = r.int32();
  const partitions = readTopicPartitions(r, (topic, partition): FetchedOffset => {
    const committedOffset = r.int64();
    const committedLeaderEpoch = r.int32();
    const metadata = r.compactString();
    return { topic, partition, committedOffset, committedLeaderEpoch, metadata, errorCode: r.int16() };
  });
  const errorCode = r.int16();
  r.skipTaggedFields();
  return { throttleTimeMs, errorCode, partitions };
}
