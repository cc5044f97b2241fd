import type { ErrorPolicy } from '../dsl/define-topology.ts';
import { ProductionError } from '../errors/index.ts';
import type { OutputRecord, RecordHeaders } from '../kafka/types.ts';

/** Bytes of a record as the broker counts them, near enough: key, value and headers (names and values). */
export function recordBytes(record: OutputRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name];
      size += name.length + (value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    }
  }
  return size;
}

export interface OversizedHandling {
  readonly maxRecordBytes: number;
  readonly policy: ErrorPolicy;
  readonly dlqTopic: string | null;
  readonly taskId: string;
  /** Counts and logs (rate-limited) one record that was not written as it was. */
  readonly report: (fields: Record<string, unknown>, message: string) => void;
}

function source(headers: RecordHeaders | undefined): Record<string, unknown> {
  if (headers === undefined) return {};
  const text = (name: string) => {
    const value = headers[name];
    return value === undefined ? undefined : String(value);
  };
  return { sourceTopic: text('sluice.source.topic'), sourcePartition: text('sluice.source.partition'), sourceOffset: text('sluice.source.offset') };
}

/**
 * Finds records too large to produce (a broker would refuse them, failing the whole transaction every time)
 * and applies the topology's onError policy to each, in place: `fail` throws a ProductionError naming the
 * record; `skip` drops it; `dead-letter` replaces it by a dead letter without the payload (its headers say
 * where it was going and how large it was). A dead letter that is itself too large keeps only its error
 * headers. Returns the records to send (the same array when nothing was too large). One pass of length sums.
 */
export function handleOversized(records: OutputRecord[], o: OversizedHandling): OutputRecord[] {
  let kept: OutputRecord[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as OutputRecord;
    const size = recordBytes(record);
    if (size <= o.maxRecordBytes) {
      kept?.push(record);
      continue;
    }
    kept ??= records.slice(0, i);
    const where = { task: o.taskId, topic: record.topic, partition: record.partition, bytes: size, maxRecordBytes: o.maxRecordBytes, ...source(record.headers) };
    if (o.policy === 'fail') {
      throw new ProductionError(
        `a record for topic "${record.topic}" is ${size} bytes, over the ${o.maxRecordBytes}-byte limit (--max-record-bytes; keep it at or below the broker's message.max.bytes)`,
        { context: { topic: record.topic, taskId: o.taskId } },
      );
    }
    if (o.policy === 'skip' || o.dlqTopic === null) {
      o.report(where, 'record too large to produce: skipped');
      continue;
    }
    const isDeadLetter = record.topic === o.dlqTopic;
    const headers: Record<string, Buffer | string | undefined> = isDeadLetter ? pickErrorHeaders(record.headers) : {};
    headers['sluice.error.code'] ??= 'SLUICE_RECORD_TOO_LARGE';
    headers['sluice.error.message'] ??= `record of ${size} bytes for topic "${record.topic}" is over the ${o.maxRecordBytes}-byte limit`;
    headers['sluice.dropped.payload.bytes'] = String(size);
    if (!isDeadLetter) headers['sluice.emit.topic'] = record.topic;
    headers['sluice.task'] = o.taskId;
    o.report(where, isDeadLetter ? 'dead letter too large to produce: written without its payload' : 'record too large to produce: sent to the dead-letter topic without its payload');
    kept.push({ topic: o.dlqTopic, key: null, value: null, timestampMs: record.timestampMs, headers });
  }
  return kept ?? records;
}

function pickErrorHeaders(headers: RecordHeaders | undefined): Record<string, Buffer | string | undefined> {
  const picked: Record<string, Buffer | string | undefined> = {};
  if (headers === undefined) return picked;
  for (const name in headers) {
    if (!name.startsWith('sluice.')) continue;
    const value = headers[name];
    picked[name] = typeof value === 'string' ? value.slice(0, 2000) : value?.subarray(0, 2000);
  }
  return picked;
}
