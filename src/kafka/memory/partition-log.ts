/**
 * One partition of an in-memory topic: a log of data records and transaction markers, each taking one offset,
 * as in Kafka. Records of a transaction share one TransactionMark; read_committed readers see a transactional
 * record only once its mark is `committed`, and never past the last stable offset (the first offset of the
 * oldest transaction still open here). A commit or abort appends one control marker, so offsets, end offsets
 * and "high - low is not a record count" behave as on a broker.
 */
import type { ConsumedRecord, RecordHeaders } from '../types.ts';

export interface TransactionMark {
  status: 'open' | 'committed' | 'aborted';
}

interface DataEntry {
  readonly kind: 'data';
  readonly record: ConsumedRecord;
  /** null: written outside a transaction (visible at once). */
  readonly txn: TransactionMark | null;
  readonly bytes: number;
}

interface MarkerEntry {
  readonly kind: 'marker';
  readonly commit: boolean;
}

type Entry = DataEntry | MarkerEntry;

/** The fields of a record as appended (already placed on this partition). */
export interface AppendedFields {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestampMs: number;
  readonly headers?: RecordHeaders;
}

const EMPTY_HEADERS: RecordHeaders = Object.freeze({});

/** Kafka's per-record framing is a few varints; the batch header (61 bytes) is shared. An estimate is enough. */
const RECORD_OVERHEAD_BYTES = 21;
const BATCH_OVERHEAD_BYTES = 61;

/** Bytes a record takes in a batch of its own: what Kafka compares with max.message.bytes. */
export function recordBytes(fields: AppendedFields): number {
  let bytes = BATCH_OVERHEAD_BYTES + RECORD_OVERHEAD_BYTES + (fields.key?.length ?? 0) + (fields.value?.length ?? 0);
  const headers = fields.headers;
  if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      bytes += 2 + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    }
  }
  return bytes;
}

/** Header values come back as bytes, as from a broker; undefined values are not sent. */
function storedHeaders(headers: RecordHeaders | undefined): RecordHeaders {
  if (headers === undefined) return EMPTY_HEADERS;
  let stored: Record<string, Buffer> | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    stored ??= {};
    stored[name] = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  }
  return stored ?? EMPTY_HEADERS;
}

export class PartitionLog {
  /** entries[i] holds offset base + i; offsets below logStartOffset are gone (DeleteRecords). */
  private entries: Entry[] = [];
  private base = 0;
  private start = 0;
  /** Open transactions with records here → their first offset here. */
  private readonly open = new Map<TransactionMark, number>();
  deleted = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** The high watermark: the offset the next entry gets. */
  get endOffset(): number {
    return this.base + this.entries.length;
  }

  get logStartOffset(): number {
    return this.start;
  }

  /** The read_committed end: first offset of the oldest open transaction here, else the end offset. */
  get lastStableOffset(): number {
    let lso = this.endOffset;
    for (const first of this.open.values()) if (first < lso) lso = first;
    return lso;
  }

  appendData(fields: AppendedFields, txn: TransactionMark | null): number {
    const offset = this.endOffset;
    if (txn !== null && txn.status === 'open' && !this.open.has(txn)) this.open.set(txn, offset);
    const record: ConsumedRecord = {
      key: fields.key === null ? null : Buffer.from(fields.key),
      value: fields.value === null ? null : Buffer.from(fields.value),
      timestampMs: fields.timestampMs,
      offset: String(offset),
      headers: storedHeaders(fields.headers),
    };
    this.entries.push({ kind: 'data', record, txn, bytes: recordBytes(fields) - BATCH_OVERHEAD_BYTES });
    return offset;
  }

  /** Ends a transaction here: its records stop holding back the LSO, and a control marker takes one offset. */
  appendMarker(txn: TransactionMark, commit: boolean): void {
    this.open.delete(txn);
    this.entries.push({ kind: 'marker', commit });
  }

  /** DeleteRecords: offsets below `offset` are gone; the log start never moves back. */
  deleteBefore(offset: number): void {
    if (offset <= this.start) return;
    this.start = Math.min(offset, this.endOffset);
    // Drop the storage of deleted entries once they are a good part of the log.
    const drop = this.start - this.base;
    if (drop > 1_000 && drop * 2 > this.entries.length) {
      this.entries = this.entries.slice(drop);
      this.base = this.start;
    }
  }

  /**
   * Committed records in [from, to) (to is capped at the LSO), until their bytes reach `maxBytes` (at least one
   * record when there is one). `next` is the offset after the last entry looked at: markers and aborted records
   * are passed over, so a range of those alone gives no records and moves `next` to its end.
   */
  readCommitted(from: number, to: number, maxBytes: number): { records: ConsumedRecord[]; next: number } {
    const end = Math.min(to, this.lastStableOffset);
    const records: ConsumedRecord[] = [];
    let bytes = 0;
    let offset = Math.max(from, this.start);
    for (; offset < end; offset++) {
      const entry = this.entries[offset - this.base] as Entry;
      if (entry.kind === 'marker') continue;
      if (entry.txn !== null && entry.txn.status !== 'committed') continue;
      if (records.length > 0 && bytes + entry.bytes > maxBytes) break;
      records.push(entry.record);
      bytes += entry.bytes;
    }
    return { records, next: Math.max(offset, from) };
  }

  /** Every data record from the log start, whatever its transaction's fate (read_uncommitted, for tests). */
  readUncommitted(): ConsumedRecord[] {
    const records: ConsumedRecord[] = [];
    for (let offset = this.start; offset < this.endOffset; offset++) {
      const entry = this.entries[offset - this.base] as Entry;
      if (entry.kind === 'data') records.push(entry.record);
    }
    return records;
  }
}
