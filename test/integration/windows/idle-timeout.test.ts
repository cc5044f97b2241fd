/**
 * Traffic stops: with idleTimeout set, the watermark advances with the wall clock once every input is idle,
 * so the last windows still close and emit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokers, createTopics, produce, readTopic, uniqueName } from '../support/kafka.ts';
import { startSluice } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'windowed-count.ts');
const MIN = 60_000;

describe('idle timeout', () => {
  it('closes the last windows after traffic stops', async () => {
    const input = uniqueName('idle-in');
    const output = uniqueName('idle-out');
    const applicationId = uniqueName('idle');
    await createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
      { name: `${applicationId}-late`, partitions: 1 },
    ]);
    const base = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const messages = [];
    // Three minutes of events for 10 keys; the last window [base+2m, base+3m) has no later record to close it.
    for (let i = 0; i < 180; i++) messages.push({ key: `k${i % 10}`, value: JSON.stringify({ ts: base + i * 1000 }) });
    await produce(input, messages);
    const app = startSluice(fixture, {
      applicationId,
      env: { WIN_INPUT: input, WIN_OUTPUT: output, WIN_LATE: `${applicationId}-late`, WIN_IDLE_TIMEOUT: '2s', WIN_GRACE: '1s', KAFKA_BROKERS: brokers() },
      name: 'idle',
    });
    const results = await readTopic(output, { expected: 30, timeoutMs: 60_000, quietMs: 2000 });
    app.kill('SIGTERM');
    await app.exited;
    const windows = results.map((r) => {
      const key = JSON.parse(r.key ?? '{}') as { key: string; startMs: number };
      return `${key.key}@${(key.startMs - base) / MIN}=${(JSON.parse(r.value ?? '{}') as { value: number }).value}`;
    });
    // Every key has 6 events per minute in each of the three minutes, the last one included.
    const expected = [];
    for (let m = 0; m < 3; m++) for (let k = 0; k < 10; k++) expected.push(`k${k}@${m}=6`);
    expect(windows.sort()).toEqual(expected.sort());
  });
});
