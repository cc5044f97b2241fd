/**
 * A stream–stream left join under exactly-once, killed with SIGKILL mid-stream and restarted, so its tasks are
 * rebuilt from their changelogs (both buffers, the store of unmatched records, the checkpointed watermark).
 * The committed output, read read_committed, is compared with the join computed here from the input: every
 * pair exactly once, every unmatched left record exactly once (joined with null), nothing else.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/testing/index.ts';
import type { JoinEvent, JoinResult } from '../fixtures/join-payments.ts';
import { brokers, createTopics, endOffsets, produce, readTopic, uniqueName, type Message } from '../support/kafka.ts';
import { startSluice, waitFor } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'join-payments.ts');
const GROUPS = 4000;
const PARTITIONS = 4;
const WINDOW_MS = 5000;
const T0 = Date.UTC(2026, 0, 1);
/** Payment times relative to their order group's time: inside the window, at its edges, and outside. */
const OFFSETS = [-3000, 4000, 5000, -5001, 12_000];

interface Event extends JoinEvent {
  readonly key: string;
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

function message(e: Event): Message {
  return { key: e.key, value: JSON.stringify({ id: e.id, ts: e.ts }), partition: partitionForKey(Buffer.from(e.key), PARTITIONS) };
}

describe('stream-stream left join across SIGKILL', () => {
  it('emits every pair and every unmatched left record exactly once', async () => {
    const seed = Math.floor(Math.random() * 1e9);
    const next = random(seed);
    const lefts: Event[] = [];
    const rights: Event[] = [];
    for (let g = 0; g < GROUPS; g++) {
      const key = `k${g}`;
      const base = T0 + g * 1000;
      const orders = next() < 0.25 ? 2 : 1;
      for (let i = 0; i < orders; i++) lefts.push({ key, id: `o${g}.${i}`, ts: base + i * 200 });
      const payments = Math.floor(next() * 3);
      for (let i = 0; i < payments; i++) rights.push({ key, id: `p${g}.${i}`, ts: base + (OFFSETS[Math.floor(next() * OFFSETS.length)] as number) });
    }
    // The join computed independently: pairs within |tL - tR| <= window, and left records with none.
    const expected = new Map<string, number>();
    const rightsByKey = new Map<string, Event[]>();
    for (const r of rights) rightsByKey.set(r.key, [...(rightsByKey.get(r.key) ?? []), r]);
    for (const l of lefts) {
      const matches = (rightsByKey.get(l.key) ?? []).filter((r) => Math.abs(l.ts - r.ts) <= WINDOW_MS);
      if (matches.length === 0) expected.set(`${l.key}|${l.id}|null`, 1);
      for (const r of matches) expected.set(`${l.key}|${l.id}|${r.id}`, 1);
    }
    const total = expected.size;

    const left = uniqueName('join-left');
    const right = uniqueName('join-right');
    const output = uniqueName('join-out');
    const applicationId = uniqueName('join');
    await createTopics([
      { name: left, partitions: PARTITIONS },
      { name: right, partitions: PARTITIONS },
      { name: output, partitions: PARTITIONS },
    ]);
    // One far-future record per partition of each side moves every watermark past every window.
    const flushAt = T0 + GROUPS * 1000 + 3_600_000;
    const flush = (side: string): Message[] => {
      const out: Message[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        let k = 0;
        while (partitionForKey(Buffer.from(`flush-${side}-${k}`), PARTITIONS) !== p) k++;
        out.push({ key: `flush-${side}-${k}`, value: JSON.stringify({ id: 'flush', ts: flushAt }), partition: p });
      }
      return out;
    };
    await produce(left, [...lefts.map(message), ...flush('l')]);
    await produce(right, [...rights.map(message), ...flush('r')]);

    const env = { JOIN_LEFT: left, JOIN_RIGHT: right, JOIN_OUTPUT: output, KAFKA_BROKERS: brokers() };
    const flags = ['--processing-guarantee', 'exactly_once', '--session-timeout-ms', '6000'];
    const first = startSluice(fixture, { applicationId, env, flags, name: 'run-0' });
    const target = Math.floor(total * (0.2 + Math.random() * 0.4));
    await waitFor(`output to pass ${target} records (${first.logFile})`, async () => (await endOffsets(output)) >= target, 180_000, 100);
    first.kill('SIGKILL');
    await first.exited;
    const second = startSluice(fixture, { applicationId, env, flags, name: 'run-1' });

    const records = await readTopic(output, { expected: total, timeoutMs: 240_000, quietMs: 3000 });
    second.kill('SIGTERM');
    const code = await second.exited;

    const seen = new Map<string, number>();
    for (const r of records) {
      const value = JSON.parse(r.value ?? 'null') as JoinResult;
      const id = `${r.key ?? ''}|${value.l}|${value.r ?? 'null'}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    const missing = [...expected.keys()].filter((id) => !seen.has(id));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    const unexpected = [...seen.keys()].filter((id) => !expected.has(id));
    const unmatched = [...expected.keys()].filter((id) => id.endsWith('|null')).length;
    console.log(
      `[join] seed ${seed}: ${lefts.length} left, ${rights.length} right, expected ${total} (${unmatched} unmatched); killed at ${target}; ${records.length} committed; missing ${missing.length}, duplicated ${duplicated.length}, unexpected ${unexpected.length}; log ${second.logFile}`,
    );
    expect(missing.slice(0, 10)).toEqual([]);
    expect(duplicated.slice(0, 10)).toEqual([]);
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(records).toHaveLength(total);
    expect(code).toBe(0);
  });
});
