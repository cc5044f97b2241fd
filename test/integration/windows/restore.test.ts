/**
 * State restore paths give identical results: application A restarts after a clean shutdown and loads its
 * local snapshot plus the changelog tail; application B's tasks move to a second instance with an empty
 * state directory (full restore from the changelogs) during a rebalance. Both read the same input, so both
 * must emit the same windows, equal to the counts computed here from the input.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/testing/index.ts';
import { brokers, committedTotal, createTopics, produce, readTopic, uniqueName, type Message } from '../support/kafka.ts';
import { startSluice, waitFor } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'windowed-count.ts');
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const KEYS = 200;
const PARTITIONS = 4;

function events(from: number, to: number): Message[] {
  const out: Message[] = [];
  for (let i = from; i < to; i++) {
    const key = `key-${i % KEYS}`;
    out.push({ key, value: JSON.stringify({ ts: T0 + i * 10 }), partition: partitionForKey(Buffer.from(key), PARTITIONS) });
  }
  return out;
}

function windowsOf(records: { key: string | null; value: string | null }[]): string[] {
  return records
    .map((r) => {
      const k = JSON.parse(r.key ?? '{}') as { key: string; startMs: number };
      return `${k.key}@${k.startMs}=${(JSON.parse(r.value ?? '{}') as { value: number }).value}`;
    })
    .sort();
}

describe('restore', () => {
  it('snapshot + tail and full restore after a rebalance give identical results', async () => {
    const PHASE1 = 24_000; // 4 minutes of event time
    const PHASE2 = 48_000; // 4 more
    const input = uniqueName('restore-in');
    const outA = uniqueName('restore-out-a');
    const outB = uniqueName('restore-out-b');
    await createTopics([
      { name: input, partitions: PARTITIONS },
      { name: outA, partitions: PARTITIONS },
      { name: outB, partitions: PARTITIONS },
      { name: `${outA}-late`, partitions: 1 },
      { name: `${outB}-late`, partitions: 1 },
    ]);
    const appA = uniqueName('restore-a');
    const appB = uniqueName('restore-b');
    const dirA = mkdtempSync(join(tmpdir(), 'sluice-state-a-'));
    const flags = (dir: string) => ['--state-dir', dir, '--session-timeout-ms', '6000'];
    const env = (output: string) => ({ WIN_INPUT: input, WIN_OUTPUT: output, WIN_LATE: `${output}-late`, KAFKA_BROKERS: brokers() });

    await produce(input, events(0, PHASE1));
    // A: run phase 1, stop cleanly (writes snapshots).
    const a1 = startSluice(fixture, { applicationId: appA, env: env(outA), flags: flags(dirA), name: 'a1' });
    await waitFor('A to commit phase 1', async () => (await committedTotal(appA, input)) >= PHASE1, 120_000);
    a1.kill('SIGTERM');
    expect(await a1.exited).toBe(0);
    const snapshots = readdirSync(join(dirA, appA));
    expect(snapshots.filter((f) => f.endsWith('.snapshot'))).toHaveLength(PARTITIONS);

    // B: run phase 1 on b1, then b2 joins with an empty state dir and b1 leaves: b2 restores from changelogs.
    const b1 = startSluice(fixture, { applicationId: appB, env: env(outB), flags: flags(mkdtempSync(join(tmpdir(), 'sluice-state-b1-'))), name: 'b1' });
    await waitFor('B to commit phase 1', async () => (await committedTotal(appB, input)) >= PHASE1, 120_000);
    const b2 = startSluice(fixture, { applicationId: appB, env: env(outB), flags: flags(mkdtempSync(join(tmpdir(), 'sluice-state-b2-'))), name: 'b2' });
    await waitFor('b2 to get tasks', () => /"task running"/.test(b2.output()), 60_000);
    b1.kill('SIGTERM');
    expect(await b1.exited).toBe(0);
    await waitFor('b2 to run all tasks', () => (b2.output().match(/"msg":"task running"/g) ?? []).length >= PARTITIONS, 60_000);

    // Phase 2, then one far-future record per partition closes every window.
    const flush: Message[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      let k = 0;
      while (partitionForKey(Buffer.from(`flush-${k}`), PARTITIONS) !== p) k++;
      flush.push({ key: `flush-${k}`, value: JSON.stringify({ ts: T0 + 100 * MIN }), partition: p });
    }
    await produce(input, [...events(PHASE1, PHASE2), ...flush]);
    const a2 = startSluice(fixture, { applicationId: appA, env: env(outA), flags: flags(dirA), name: 'a2' });

    const expectedCounts = new Map<string, number>();
    for (let i = 0; i < PHASE2; i++) {
      const ts = T0 + i * 10;
      const id = `key-${i % KEYS}@${ts - (ts % MIN)}`;
      expectedCounts.set(id, (expectedCounts.get(id) ?? 0) + 1);
    }
    const expected = [...expectedCounts].map(([id, n]) => `${id}=${n}`).sort();
    const [resultsA, resultsB] = await Promise.all([
      readTopic(outA, { expected: expected.length, timeoutMs: 120_000, quietMs: 3000 }),
      readTopic(outB, { expected: expected.length, timeoutMs: 120_000, quietMs: 3000 }),
    ]);
    a2.kill('SIGTERM');
    b2.kill('SIGTERM');
    await Promise.all([a2.exited, b2.exited]);

    const loaded = (a2.output().match(/state loaded from the local snapshot/g) ?? []).length;
    const fullRestores = (b2.output().match(/"msg":"restoring state from changelogs"/g) ?? []).length;
    console.log(`[restore] A loaded ${loaded} snapshots; b2 restored ${fullRestores} tasks from changelogs; ${resultsA.length} / ${resultsB.length} results for ${expected.length} windows`);
    expect(loaded).toBe(PARTITIONS);
    expect(fullRestores).toBeGreaterThanOrEqual(1);
    expect(windowsOf(resultsA)).toEqual(expected);
    expect(windowsOf(resultsB)).toEqual(expected);
  });
});
