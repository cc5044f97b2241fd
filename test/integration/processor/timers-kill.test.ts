/**
 * Processor timers under a crash: a topology on the processor API registers one one-shot event-time timer per
 * input record (persisted in its `-timers` store) and fires a periodic event-time timer every second of event
 * time. It is killed with SIGKILL mid-stream and restarted, so its tasks are rebuilt from their changelogs.
 * The output, read read_committed, must hold every one-shot timer exactly once (compared with the input) and
 * no periodic firing twice.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/testing/index.ts';
import { DELAY_MS } from '../fixtures/delayed-echo.ts';
import { brokers, createTopics, endOffsets, produce, readTopic, uniqueName, type Message } from '../support/kafka.ts';
import { startSluice, waitFor } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'delayed-echo.ts');
const RECORDS = 20_000;
const PARTITIONS = 4;
const T0 = Date.UTC(2026, 0, 1);

describe('processor timers across SIGKILL', () => {
  it('every one-shot timer fires exactly once and no periodic firing repeats', async () => {
    const input = uniqueName('echo-in');
    const output = uniqueName('echo-out');
    const applicationId = uniqueName('echo');
    await createTopics([
      { name: input, partitions: PARTITIONS },
      { name: output, partitions: PARTITIONS },
    ]);
    const messages: Message[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const key = `e${i}`;
      messages.push({ key, value: JSON.stringify({ i, ts: T0 + i * 10 }), partition: partitionForKey(Buffer.from(key), PARTITIONS) });
    }
    // One far-future record per partition moves every watermark past every timer.
    for (let p = 0; p < PARTITIONS; p++) {
      let k = 0;
      while (partitionForKey(Buffer.from(`flush-${k}`), PARTITIONS) !== p) k++;
      messages.push({ key: `flush-${k}`, value: JSON.stringify({ i: -1, ts: T0 + RECORDS * 10 + 3_600_000 }), partition: p });
    }
    await produce(input, messages);

    const env = { ECHO_INPUT: input, ECHO_OUTPUT: output, KAFKA_BROKERS: brokers() };
    const flags = ['--processing-guarantee', 'exactly_once', '--session-timeout-ms', '6000'];
    const first = startSluice(fixture, { applicationId, env, flags, name: 'run-0' });
    const target = Math.floor(RECORDS * (0.2 + Math.random() * 0.4));
    await waitFor(`output to pass ${target} records (${first.logFile})`, async () => (await endOffsets(output)) >= target, 180_000, 100);
    first.kill('SIGKILL');
    await first.exited;
    const second = startSluice(fixture, { applicationId, env, flags, name: 'run-1' });

    const records = await readTopic(output, { expected: RECORDS, timeoutMs: 240_000, quietMs: 3000 });
    second.kill('SIGTERM');
    const code = await second.exited;

    const fired = new Map<string, number[]>();
    const ticks = new Map<string, number[]>();
    for (const r of records) {
      const key = r.key ?? '';
      const map = key.startsWith('tick-') ? ticks : fired;
      const list = map.get(key) ?? [];
      list.push(JSON.parse(r.value ?? 'null') as number);
      map.set(key, list);
    }
    const missing: number[] = [];
    const duplicated: number[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const times = fired.get(`e${i}`) ?? [];
      if (times.length === 0) missing.push(i);
      if (times.length > 1) duplicated.push(i);
      if (times.length === 1) expect(times[0]).toBe(T0 + i * 10 + DELAY_MS);
    }
    const repeatedTicks = [...ticks].filter(([, at]) => new Set(at).size !== at.length || at.some((t, j) => j > 0 && t <= (at[j - 1] as number)));
    console.log(`[timers] killed at ${target} output records; ${records.length} committed; missing ${missing.length}, duplicated ${duplicated.length}; ticks ${[...ticks].map(([k, at]) => `${k}=${at.length}`).join(' ')}; log ${second.logFile}`);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
    expect([...fired.keys()].filter((k) => k.startsWith('flush-'))).toEqual([]);
    expect(repeatedTicks).toEqual([]);
    expect(ticks.size).toBe(PARTITIONS);
    expect(code).toBe(0);
  });
});
