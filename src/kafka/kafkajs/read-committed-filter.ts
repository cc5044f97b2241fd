/**
 * read_committed filtering of the raw messages of one Fetch response.
 *
 * A read_committed fetch still returns whole record batches: control batches (commit/abort markers), batches of
 * aborted transactions (listed in the response's abortedTransactions by producer id and first offset), and
 * records before the fetch offset at the start of the first batch. `markAbortedRecords` follows the Java
 * consumer (CompletedFetch.nextFetchedRecord): per batch, every aborted transaction whose first offset is at or
 * before the batch's last offset marks its producer as aborted; that producer's transactional batches are
 * aborted until its abort marker. It flags aborted records like control records, so a reader keeps them for
 * offset bookkeeping and drops them from what it delivers.
 *
 * kafkajs's own filter (consumer/filterAbortedMessages.js) takes at most one aborted transaction per record and
 * assumes the list is in order, so a fetch that starts inside two interleaved aborted transactions (two producers
 * aborting at the same time, e.g. tasks in a rebalance) delivers records of the second one.
 */
import type { ConsumedRecord } from '../types.ts';
import { toConsumedRecord, type FetchedMessageFields } from './records.ts';

/** The record batch header kafkajs attaches to every decoded message (one shared object per batch). */
export interface FetchedBatchContext {
  readonly firstOffset: string;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly inTransaction: boolean;
  readonly isControlBatch: boolean;
}

export interface FetchedMessage extends FetchedMessageFields {
  isControlRecord?: boolean;
  readonly batchContext?: FetchedBatchContext;
}

export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** Control record key: version (int16) then type (int16): 0 = abort, 1 = commit. */
function isAbortMarker(message: FetchedMessage): boolean {
  const key = message.key;
  return key !== null && key.length >= 4 && key.readInt16BE(2) === 0;
}

function batchLastOffset(batch: FetchedBatchContext): bigint {
  return BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta);
}

/** Flags (isControlRecord = true) every data record of an aborted transaction. */
export function markAbortedRecords(messages: FetchedMessage[], abortedTransactions: readonly AbortedTransaction[]): void {
  if (abortedTransactions.length === 0) return;
  const aborted = abortedTransactions
    .map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  let nextAborted = 0;
  const abortedProducers = new Set<string>();
  let context: FetchedBatchContext | undefined;
  let abortBatch = false;
  for (const message of messages) {
    const batch = message.batchContext;
    if (batch === undefined || !batch.inTransaction) continue;
    if (batch !== context) {
      context = batch;
      const last = batchLastOffset(batch);
      for (let next = aborted[nextAborted]; next !== undefined && next.firstOffset <= last; next = aborted[++nextAborted]) {
        abortedProducers.add(next.producerId);
      }
      abortBatch = false;
      if (batch.isControlBatch) {
        if (isAbortMarker(message)) abortedProducers.delete(batch.producerId);
      } else {
        abortBatch = abortedProducers.has(batch.producerId);
      }
    }
    if (abortBatch) message.isControlRecord = true;
  }
}

/**
 * Appends to `out` the data records (neither control nor aborted records, see markAbortedRecords) with offsets in
 * [fromOffset, toOffset), in offset order, and returns the offset following the last record batch of the
 * response (`fromOffset` when it held none). Records are compared with the bounds only in batches that straddle
 * them.
 */
export function collectRecords(messages: readonly FetchedMessage[], fromOffset: bigint, toOffset: bigint, out: ConsumedRecord[]): bigint {
  let next = fromOffset;
  let context: FetchedBatchContext | undefined;
  let checkBounds = true;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as FetchedMessage;
    const batch = message.batchContext;
    if (batch === undefined) {
      // A legacy message set has no batch header: each record is its own batch.
      const offset = BigInt(message.offset);
      if (offset >= next) next = offset + 1n;
      checkBounds = true;
      context = undefined;
    } else if (batch !== context) {
      context = batch;
      const first = BigInt(batch.firstOffset);
      const last = first + BigInt(batch.lastOffsetDelta);
      if (last >= next) next = last + 1n;
      checkBounds = first < fromOffset || last >= toOffset;
    }
    if (message.isControlRecord === true) continue;
    if (checkBounds) {
      const offset = BigInt(message.offset);
      if (offset < fromOffset || offset >= toOffset) continue;
    }
    out.push(toConsumedRecord(message));
  }
  return next;
}
