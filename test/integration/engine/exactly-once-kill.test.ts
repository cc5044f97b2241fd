/**
 * Exactly-once under crashes: a re-keying topology (through a repartition topic) over 100,000 records on
 * 4 partitions is killed with SIGKILL twice at random points of its progress and restarted. The sink, read
 * read_committed, must hold every input record exactly once — compared with the input, not with the code.
 * The same run under at-least-once must lose nothing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokers, createTopics, endOffsets, produce, readTopic, uniqueName } from '../support/kafka.ts';
import { startSluice, waitFor, type SluiceProcess } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'rekey.ts');
const RECORDS = 100_000;
const USERS = 500;

async function runWithKills(guarantee: 'exactly_once' | 'at_least_once') {
  const input = uniqueName('rekey-in');
  const output = uniqueName('rekey-out');
  const applicationId = uniqueName(`rekey-${guarantee === 'exactly_once' ? 'eos' : 'alos'}`);
  await createTopics([
    { name: input, partitions: 4 },
    { name: output, partitions: 4 },
  ]);
  const messages = [];
  for (let id = 0; id < RECORDS; id++) messages.push({ key: `k${id}`, value: JSON.stringify({ id, user: `u${id % USERS}` }) });
  await produce(input, messages);

  const env = { REKEY_INPUT: input, REKEY_OUTPUT: output, KAFKA_BROKERS: brokers() };
  const flags = ['--processing-guarantee', guarantee, '--session-timeout-ms', '6000'];
  const start = (name: string) => startSluice(fixture, { applicationId, env, flags, name });
  // Kill points: random fractions of the output written so far (aborted records included in end offsets).
  const killAt = [0.1 + Math.random() * 0.25, 0.5 + Math.random() * 0.25];
  const kills: { at: number; written: number }[] = [];
  let instance: SluiceProcess = start('run-0');
  for (let k = 0; k < killAt.length; k++) {
    const target = Math.floor(RECORDS * (killAt[k] as number));
    let written = 0;
    await waitFor(`output to pass ${target} records before kill ${k + 1} (${instance.logFile})`, async () => {
      written = await endOffsets(output);
      return written >= target;
    }, 180_000, 100);
    instance.kill('SIGKILL');
    await instance.exited;
    kills.push({ at: target, written });
    instance = start(`run-${k + 1}`);
  }
  const records = await readTopic(output, { expected: RECORDS, timeoutMs: 240_000, quietMs: 3000 });
  instance.kill('SIGTERM');
  const code = await instance.exited;
  return { records, kills, code, logFile: instance.logFile, applicationId };
}

function countIds(records: { key: string | null; value: string | null }[]) {
  const counts = new Map<number, number>();
  for (const r of records) {
    const v = JSON.parse(r.value ?? 'null') as { id: number; user: string; seen: boolean };
    expect(r.key).toBe(v.user);
    expect(v.seen).toBe(true);
    counts.set(v.id, (counts.get(v.id) ?? 0) + 1);
  }
  return counts;
}

describe('exactly-once across SIGKILL', () => {
  it('exactly_once: every input record appears exactly once in the sink', async () => {
    const { records, kills, code, logFile } = await runWithKills('exactly_once');
    const counts = countIds(records);
    const missing = [];
    const duplicated = [];
    for (let id = 0; id < RECORDS; id++) {
      const n = counts.get(id) ?? 0;
      if (n === 0) missing.push(id);
      if (n > 1) duplicated.push(id);
    }
    console.log(`[eos] kills at ${kills.map((k) => `${k.written} written`).join(', ')}; sink has ${records.length} committed records; missing ${missing.length}, duplicated ${duplicated.length}; log ${logFile}`);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(records).toHaveLength(RECORDS);
    expect(code).toBe(0);
  });

  it('at_least_once: nothing is missing after the same kills', async () => {
    const { records, kills } = await runWithKills('at_least_once');
    const counts = countIds(records);
    const missing = [];
    for (let id = 0; id < RECORDS; id++) if ((counts.get(id) ?? 0) === 0) missing.push(id);
    const duplicates = records.length - counts.size;
    console.log(`[alos] kills at ${kills.map((k) => `${k.written} written`).join(', ')}; sink has ${records.length} records, ${duplicates} duplicates (allowed), missing ${missing.length}`);
    expect(missing).toEqual([]);
  });
});
