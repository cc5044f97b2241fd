import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, tumbling } from '../../../src/index.ts';
import type { ConsumedRecord } from '../../../src/kafka/types.ts';
import { plan } from '../../../src/planner/plan.ts';
import { buildTask } from '../../../src/runtime/task-factory.ts';

const topology = defineTopology({ applicationId: 'bounds', onError: 'dead-letter' }, (t) => {
  t.stream('in', { key: serdes.string(), value: serdes.json<{ ts: number }>(), timestamp: (v) => v.ts })
    .groupByKey()
    .windowedBy(tumbling('1m'))
    .count({ name: 'counts' })
    .to('out', { key: serdes.windowed<string>(), value: serdes.json() });
});
const p = plan(topology);
const DAY_MS = 86_400_000;

function run(timestamps: number[], maxFutureSkewMs: number | undefined) {
  const options = { plan: p, topology, recordLog: { warn: () => {} }, ...(maxFutureSkewMs !== undefined ? { maxFutureSkewMs } : {}) };
  const task = buildTask(options, p.subtopologies[0] as (typeof p.subtopologies)[number], 0, Date.now());
  const records: ConsumedRecord[] = timestamps.map((ts, i) => ({ key: Buffer.from('k'), value: Buffer.from(JSON.stringify({ ts })), timestampMs: Date.now(), offset: String(i), headers: {} }));
  task.processBatch({ topic: 'in', partition: 0, records, highWatermark: null }, Date.now());
  const dlq = task.output.filter((r) => r.topic === 'bounds-dlq');
  return { dlq: dlq.map((r) => String(r.headers?.['sluice.error.message'])), watermarkMs: task.watermark.current() };
}

describe('event time bounds', () => {
  const now = Date.now();

  it('dead-letters event time before 1970 or beyond the future skew, and keeps the watermark', () => {
    const { dlq, watermarkMs } = run([now - 60_000, Date.UTC(3000, 0, 1), -1, now + DAY_MS + 60_000, now - 30_000], DAY_MS);
    expect(dlq).toHaveLength(3);
    expect(dlq[0]).toMatch(/event time 32503680000000 \(3000-01-01T00:00:00\.000Z\) is more than 86400000 ms ahead of the wall clock/);
    expect(dlq[1]).toMatch(/event time -1 is before 1970/);
    expect(dlq[2]).toMatch(/ahead of the wall clock/);
    // The year-3000 record did not move the watermark: it is the good records' maximum.
    expect(watermarkMs).toBe(now - 30_000);
  });

  it('accepts event time within the skew', () => {
    expect(run([now + DAY_MS - 60_000], DAY_MS).dlq).toEqual([]);
  });

  it('without bounds (the test driver) accepts any finite event time', () => {
    expect(run([Date.UTC(3000, 0, 1)], undefined).dlq).toEqual([]);
  });
});
