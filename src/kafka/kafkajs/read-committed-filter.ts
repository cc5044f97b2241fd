/**
 * Turns the raw messages of one read_committed Fetch response into the committed data records of an offset range.
 *
 * A read_committed fetch still returns whole record batches: control batches (commit/abort markers), batches of
 * aborted transactions (listed in the response's abortedTransactions, by producer id and first offset), and
 * records before the fetch offset at the start of the first batch. This follows the Java consumer
 * (Fetcher/CompletedFetch): per batch, every aborted transaction whose first offset is at or before the batch's
 * last offset marks its producer as aborted; that producer's transactional batches are skipped until its abort
 * marker. (kafkajs's own filter, used by its consumer, only takes one aborted transaction per record and in list
 * order, so a fetch starting inside two interleaved aborted transactions can leak records of the second.)
 *
 * Per-batch work only: a record is compared with the range bounds only in batches that straddle them.
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

/**
 * Appends to `out` the committed data records with offsets in [fromOffset, toOffset), in offset order, and
 * returns the offset following the last batch of the response (`fromOffset` when the response held none).
 */
export function collectCommittedRecords(
  messages: readonly FetchedMessage[],
  abortedTransactions: readonly AbortedTransaction[] | undefined,
  fromOffset: bigint,
  toOffset: bigint,
  out: ConsumedRecord[],
): bigint {
  const aborted = (abortedTransactions ?? [])
    .map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  let nextAborted = 0;
  const abortedProducers = new Set<string>();

  let next = fromOffset;
  let context: FetchedBatchContext | undefined;
  let first = true;
  let skipBatch = false;
  let checkBounds = false;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as FetchedMessage;
    const batch = message.batchContext;
    if (first || batch !== context || batch === undefined) {
      first = false;
      context = batch;
      // Legacy message sets carry no batch header: treat each record as its own non-transactional batch.
      const batchFirst = batch === undefined ? BigInt(message.offset) : BigInt(batch.firstOffset);
      const batchLast = batch === undefined ? batchFirst : batchFirst + BigInt(batch.lastOffsetDelta);
      if (batchLast >= next) next = batchLast + 1n;
      skipBatch = false;
      if (batch !== undefined && batch.inTransaction) {
        while (nextAborted < aborted.length && (aborted[nextAborted]?.firstOffset ?? batchLast + 1n) <= batchLast) {
          abortedProducers.add((aborted[nextAborted] as { producerId: string }).producerId);
          nextAborted++;
        }
        if (batch.isControlBatch) {
          if (isAbortMarker(message)) abortedProducers.delete(batch.producerId);
          skipBatch = true;
        } else if (abortedProducers.has(batch.producerId)) {
          skipBatch = true;
        }
      } else if (batch !== undefined && batch.isControlBatch) {
        skipBatch = true;
      }
      checkBounds = batchFirst < fromOffset || batchLast >= toOffset;
    }
    if (skipBatch) continue;
    if (checkBounds) {
      const offset = BigInt(message.offset);
      if (offset < fromOffset || offset >= toOffset) continue;
    }
    out.push(toConsumedRecord(message));
  }
  return next;
}
