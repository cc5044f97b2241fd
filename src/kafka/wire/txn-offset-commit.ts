/**
 * TxnOffsetCommit (KIP-98; generation fencing KIP-447), version 3: a transactional producer writes a group's
 * offsets into its open transaction, on the group coordinator. They become the group's committed offsets when the
 * transaction commits and vanish when it aborts; until then OffsetFetch with require_stable answers
 * UNSTABLE_OFFSET_COMMIT for those partitions (offset-fetch.ts). The transaction coordinator must first have
 * heard of the group, with AddOffsetsToTxn (add-offsets-to-txn.ts).
 *
 * Version 3 is the first with the group's generation, member id and group instance id: the coordinator rejects a
 * commit from a member of an older generation (ILLEGAL_GENERATION) or an unknown member (UNKNOWN_MEMBER_ID), so
 * a producer tied to a consumer that lost its partitions cannot commit their offsets. Generation -1 with member
 * id "" (the defaults) is a producer not tied to a group member. Kafka 4.x accepts versions 0-6 (4: the
 * TRANSACTION_ABORTABLE error; 5: with transaction protocol v2 the request also adds the group to the
 * transaction, in place of AddOffsetsToTxn; 6: topic ids in place of names).
 *
 *   TxnOffsetCommit Request (v3, flexible) => transactional_id:COMPACT_STRING group_id:COMPACT_STRING
 *       producer_id:INT64 producer_epoch:INT16 generation_id:INT32 member_id:COMPACT_STRING
 *       group_instance_id:COMPACT_NULLABLE_STRING [topics] TAG_BUFFER
 *     topics => name:COMPACT_STRING [partitions] TAG_BUFFER
 *       partitions => partition_index:INT32 committed_offset:INT64 committed_leader_epoch:INT32
 *                     committed_metadata:COMPACT_NULLABLE_STRING TAG_BUFFER
 *   TxnOffsetCommit Response (v3, flexible) => throttle_time_ms:INT32 [topics] TAG_BUFFER
 *     topics => name:COMPACT_STRING [partitions] TAG_BUFFER
 *       partitions => partition_index:INT32 error_code:INT16 TAG_BUFFER
 *
 * (clients/src/main/resources/common/message/TxnOffsetCommit{Request,Response}.json; the request's generation
 * field is GenerationIdOrMemberEpoch there.) Flexible headers as in describe-producers.ts: the body starts with
 * the request header's (empty) tagged fields, and the decoder skips the response header's.
 */
import { readTopicPartitions, Reader, sizeOfCompactString, writeCompactString } from './primitives.ts';
import { sizeOfUnsignedVarint, writeUnsignedVarint } from './varint.ts';

export const TXN_OFFSET_COMMIT_API_KEY = 28;
export const TXN_OFFSET_COMMIT_API_VERSION = 3;

export interface TxnOffsetCommitPartition {
  readonly partition: number;
  /** The offset of the next record the group is to read. */
  readonly offset: bigint;
  /** The leader epoch of the last record consumed; -1 (the default) when unknown. */
  readonly leaderEpoch?: number;
  /** null (the default): no metadata. */
  readonly metadata?: string | null;
}

export interface TxnOffsetCommitTopic {
  readonly topic: string;
  readonly partitions: readonly TxnOffsetCommitPartition[];
}

export interface TxnOffsetCommitRequest {
  readonly transactionalId: string;
  readonly groupId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** The group generation of the member the producer commits for; -1 for a producer not tied to a member. */
  readonly generationId: number;
  /** The member id the group coordinator gave that member; "" for a producer not tied to a member. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly TxnOffsetCommitTopic[];
}

/** The request body, preceded by the request header's empty tagged fields (one 0 byte). */
export function encodeTxnOffsetCommitRequest(request: TxnOffsetCommitRequest): Buffer {
  let size =
    1 +
    sizeOfCompactString(request.transactionalId) +
    sizeOfCompactString(request.groupId) +
    8 + 2 + 4 +
    sizeOfCompactString(request.memberId) +
    sizeOfCompactString(request.groupInstanceId) +
    sizeOfUnsignedVarint(request.topics.length + 1) +
    1;
  for (const t of request.topics) {
    size += sizeOfCompactString(t.topic) + sizeOfUnsignedVarint(t.partitions.length + 1) + 1;
    for (const p of t.partitions) size += 4 + 8 + 4 + sizeOfCompactString(p.metadata ?? null) + 1;
  }
  const buffer = Buffer.alloc(size);
  let at = 1; // the request header's tagged fields: none
  at = writeCompactString(buffer, at, request.transactionalId);
  at = writeCompactString(buffer, at, request.groupId);
  at = buffer.writeBigInt64BE(request.producerId, at);
  at = buffer.writeInt16BE(request.producerEpoch, at);
  at = buffer.writeInt32BE(request.generationId, at);
  at = writeCompactString(buffer, at, request.memberId);
  at = writeCompactString(buffer, at, request.groupInstanceId);
  at = writeUnsignedVarint(buffer, at, request.topics.length + 1);
  for (const t of request.topics) {
    at = writeCompactString(buffer, at, t.topic);
    at = writeUnsignedVarint(buffer, at, t.partitions.length + 1);
    for (const p of t.partitions) {
      at = buffer.writeInt32BE(p.partition, at);
      at = buffer.writeBigInt64BE(p.offset, at);
      at = buffer.writeInt32BE(p.leaderEpoch ?? -1, at);
      at = writeCompactString(buffer, at, p.metadata ?? null);
      at += 1; // the partition's tagged fields: none
    }
    at += 1; // the topic's tagged fields: none
  }
  return buffer; // the last byte: the request's tagged fields, none
}

export interface TxnOffsetCommitPartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

export interface TxnOffsetCommitResponse {
  readonly throttleTimeMs: number;
  readonly partitions: readonly TxnOffsetCommitPartitionResult[];
}

/** Decodes what follows the correlation id: the response header's tagged fields, then the body. Throws RangeError on a truncated body. */
export function decodeTxnOffsetCommitResponse(raw: Buffer): TxnOffsetCommitResponse {
  const r = new Reader(raw);
  r.skipTaggedFields(); // response header v1
  const throttleTimeMs = r.int32();
  const partitions = readTopicPartitions(r, (topic, partition): TxnOffsetCommitPartitionResult => ({ topic, partition, errorCode: r.int16() }));
  r.skipTaggedFields();
  return { throttleTimeMs, partitions };
}
