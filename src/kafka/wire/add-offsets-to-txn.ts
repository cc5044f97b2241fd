/**
 * AddOffsetsToTxn (KIP-98), version 1: tells a transactional id's transaction coordinator that the open
 * transaction will carry offsets of a group, so the coordinator writes its commit or abort marker to the group's
 * partition of __consumer_offsets too. Sent to the transaction coordinator before TxnOffsetCommit
 * (txn-offset-commit.ts), which goes to the group coordinator.
 *
 * Kafka 4.x accepts versions 0-4 (AddOffsetsToTxnRequest.json, validVersions "0-4"; KIP-896 removed none of them),
 * flexible from 3. Version 1 is the lowest non-flexible version with version 0's fields; it differs from 0 only
 * in the broker answering at once on a quota violation and leaving the wait to the client, which is what
 * kafkajs-eos-internals.ts `encodedRequest` does with the throttle time (version 0's broker would delay its answer
 * itself, and the client would wait a second time). Version 2 adds PRODUCER_FENCED where 0 and 1 answer
 * INVALID_PRODUCER_EPOCH; 4 adds TRANSACTION_ABORTABLE.
 *
 *   AddOffsetsToTxn Request (v1) => transactional_id:STRING producer_id:INT64 producer_epoch:INT16 group_id:STRING
 *   AddOffsetsToTxn Response (v1) => throttle_time_ms:INT32 error_code:INT16
 *
 * Not flexible: request header v1 and response header v0, neither with tagged fields, so the body is the fields
 * alone and the response starts right after the correlation id.
 */
import { Reader, sizeOfString, writeString } from './primitives.ts';

export const ADD_OFFSETS_TO_TXN_API_KEY = 25;
export const ADD_OFFSETS_TO_TXN_API_VERSION = 1;

export interface AddOffsetsToTxnRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly groupId: string;
}

export function encodeAddOffsetsToTxnRequest(request: AddOffsetsToTxnRequest): Buffer {
  const buffer = Buffer.alloc(sizeOfString(request.transactionalId) + 8 + 2 + sizeOfString(request.groupId));
  let at = writeString(buffer, 0, request.transactionalId);
  at = buffer.writeBigInt64BE(request.producerId, at);
  at = buffer.writeInt16BE(request.producerEpoch, at);
  writeString(buffer, at, request.groupId);
  return buffer;
}

export interface AddOffsetsToTxnResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
}

/** Decodes what follows the correlation id (response header v0 has nothing else). Throws RangeError on a truncated body. */
export function decodeAddOffsetsToTxnResponse(raw: Buffer): AddOffsetsToTxnResponse {
  const r = new Reader(raw);
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  return { throttleTimeMs, errorCode };
}
