import type { OutputRecord } from '../kafka/types.ts';
import type { LateRecord, RecordMetadata } from '../processor/processor.ts';

function json(value: unknown): Buffer | null {
  return value === undefined || value === null ? null : Buffer.from(JSON.stringify(value));
}

/**
 * The record written to a late topic: the late record's key and value as JSON, with headers saying which
 * window it missed, the watermark, by how much, and where it came from.
 */
export function lateOutputRecord(late: LateRecord, source: RecordMetadata, lateTopic: string): OutputRecord {
  return {
    topic: lateTopic,
    key: json(late.key),
    value: json(late.value),
    timestampMs: late.timestampMs,
    headers: {
      'sluice.late.operator': late.operator,
      'sluice.late.window.start': String(late.windowStartMs),
      'sluice.late.window.end': String(late.windowEndMs),
      'sluice.late.watermark': String(late.watermarkMs),
      'sluice.late.lateness.ms': String(late.watermarkMs - late.timestampMs),
      'sluice.source.topic': source.topic,
      'sluice.source.partition': String(source.partition),
      'sluice.source.offset': source.offset,
    },
  };
}
