/**
 * Rebalances: two instances of one application share the work; a third joins and one leaves (SIGTERM)
 * mid-stream while input keeps arriving. The sink, read read_committed, holds every record exactly once.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokers, createTopics, endOffsets, produce, readTopic, uniqueName } from '../support/kafka.ts';
import { sleep, startSluice, waitFor } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'rekey.ts');
const RECORDS = 60_000;

describe('rebalance with instances joining and leaving', () => {
  it('keeps exactly-once output exact', async () => {
    const input = uniqueName('rb-in');
    const output = uniqueName('rb-out');
    const applicationId = uniqueName('rb');
    await createTopics([
      { name: input, partitions: 4 },
      { name: output, partitions: 4 },
    ]);
    const env = { REKEY_INPUT: input, REKEY_OUTPUT: output, KAFKA_BROKERS: brokers() };
    const flags = ['--session-timeout-ms', '6000'];
    const start = (name: string) => startSluice(fixture, { applicationId, env, flags, name });
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: JSON.stringify({ id: from + i, user: `u${(from + i) % 300}` }) }));

    const a = start('a');
    const b = start('b');
    await produce(input, batch(0, 20_000));
    await waitFor('first output', async () => (await endOffsets(output)) > 5_000, 120_000);
    const c = start('c');
    await produce(input, batch(20_000, 20_000));
    await sleep(3000);
    a.kill('SIGTERM');
    const aCode = await a.exited;
    await produce(input, batch(40_000, 20_000));
    const records = await readTopic(output, { expected: RECORDS, timeoutMs: 240_000, quietMs: 3000 });
    b.kill('SIGTERM');
    c.kill('SIGTERM');
    const [bCode, cCode] = await Promise.all([b.exited, c.exited]);

    const counts = new Map<number, number>();
    for (const r of records) {
      const id = (JSON.parse(r.value ?? '{}') as { id: number }).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const missing = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => !counts.has(i));
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    console.log(`[rebalance] ${records.length} committed records, missing ${missing.length}, duplicated ${duplicated.length}; logs ${a.logFile} ${b.logFile} ${c.logFile}`);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(records).toHaveLength(RECORDS);
    expect(aCode).toBe(0);
    expect(bCode).toBe(0);
    expect(cCode).toBe(0);
    expect(a.output()).toMatch(/sluice application stopped/);
  });
});
