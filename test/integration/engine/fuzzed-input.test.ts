/**
 * Fuzzed input on an exactly-once windowed topology with onError 'dead-letter', against the real broker: bad
 * records of every kind mixed with good ones. Every bad record lands in the DLQ exactly once with error headers,
 * every good record is counted exactly once (windows compared with counts computed from the input), the
 * process neither crashes nor stalls, and its peak RSS is reported.
 *
 * Default: 10,000 bad + 100,000 good records. SLUICE_FUZZ_SCALE=N multiplies both (e.g. 10 for a long run).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IHeaders } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { brokers, createTopics, kafka, readTopicRaw, uniqueName } from '../support/kafka.ts';
import { startSluice, waitFor } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'fuzz-window.ts');
const scale = Number(process.env.SLUICE_FUZZ_SCALE ?? '1');
const GOOD = 100_000 * scale;
const BAD = 10_000 * scale;
const KEYS = 50;
const PARTITIONS = 2;
const WINDOW_MS = 60_000;
/** Close to the broker's default message.max.bytes (1048588), with room for the batch and record overhead. */
const NEAR_MAX_BYTES = 1_040_000;

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be repeated. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Input {
  key: Buffer | string | null;
  value: Buffer | string | null;
  partition: number;
  headers?: IHeaders;
  bad?: string;
}

const BAD_KINDS = [
  'random-bytes', 'truncated-json', 'deeply-nested-json', 'wrong-type-string-ts', 'wrong-type-array', 'wrong-type-scalar', 'wrong-type-object-ts',
  'infinity-ts', 'nan-ts', 'year-3000-ts', 'before-1970-ts', 'null-key', 'null-value', 'invalid-utf8-key', 'invalid-utf8-value',
  'near-max-size', 'bad-json-with-duplicate-and-binary-headers',
] as const;
type BadKind = (typeof BAD_KINDS)[number];

function badRecord(kind: BadKind, random: () => number, key: string, partition: number, tsMs: number): Input {
  const json = (v: string): Input => ({ key, value: v, partition, bad: kind });
  switch (kind) {
    case 'random-bytes': {
      // Not valid JSON: a leading 0xff is neither UTF-8 nor JSON.
      const bytes = randomBytes(1 + Math.floor(random() * 300));
      bytes[0] = 0xff;
      return { key, value: bytes, partition, bad: kind };
    }
    case 'truncated-json': {
      const text = JSON.stringify({ ts: tsMs, user: key, note: 'x'.repeat(20) });
      return json(text.slice(0, 1 + Math.floor(random() * (text.length - 2))));
    }
    case 'deeply-nested-json':
      return json('['.repeat(20_000) + ']'.repeat(20_000));
    case 'wrong-type-string-ts':
      return json(JSON.stringify({ ts: String(tsMs) }));
    case 'wrong-type-array':
      return json(JSON.stringify([tsMs]));
    case 'wrong-type-scalar':
      return json(random() < 0.5 ? '42' : '"text"');
    case 'wrong-type-object-ts':
      return json(JSON.stringify({ ts: { ms: tsMs } }));
    case 'infinity-ts':
      return json(random() < 0.5 ? '{"ts":1e999}' : '{"ts":-1e999}');
    case 'nan-ts':
      return json('{"ts":NaN}');
    case 'year-3000-ts':
      return json(JSON.stringify({ ts: Date.UTC(3000, 0, 1) }));
    case 'before-1970-ts':
      return json(JSON.stringify({ ts: -1 - Math.floor(random() * 1e12) }));
    case 'null-key':
      return { key: null, value: JSON.stringify({ ts: tsMs }), partition, bad: kind };
    case 'null-value':
      return { key, value: null, partition, bad: kind };
    case 'invalid-utf8-key':
      return { key: Buffer.from([0x6b, 0xc3, 0x28]), value: JSON.stringify({ ts: tsMs }), partition, bad: kind };
    case 'invalid-utf8-value':
      return { key, value: Buffer.concat([Buffer.from('{"ts":'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('1}')]), partition, bad: kind };
    case 'near-max-size':
      return { key, value: Buffer.alloc(NEAR_MAX_BYTES, 0x7b), partition, bad: kind };
    case 'bad-json-with-duplicate-and-binary-headers':
      return { key, value: '{"ts":', partition, bad: kind, headers: { dup: ['one', 'two'], bin: randomBytes(16) } };
  }
}

/** Good records in event-time order, bad ones at random places; counts per (key, window) computed here. */
function generate(): { records: Input[]; counts: Map<string, number>; badByKind: Map<string, number> } {
  const random = prng(12);
  const baseMs = Date.now() - Math.ceil((GOOD * 40) / WINDOW_MS) * WINDOW_MS - 3_600_000;
  const records: Input[] = [];
  const counts = new Map<string, number>();
  const badByKind = new Map<string, number>();
  let bad = 0;
  let nearMax = 0;
  for (let i = 0; i < GOOD; i++) {
    const k = i % KEYS;
    const key = `k${k}`;
    const partition = k % PARTITIONS;
    const tsMs = baseMs + i * 40;
    // Good records with odd headers are still good.
    const headers: IHeaders | undefined = i % 97 === 0 ? { dup: ['a', 'b'], bin: Buffer.from([0, 255, 128]) } : undefined;
    records.push({ key, value: JSON.stringify({ ts: tsMs, i }), partition, ...(headers !== undefined ? { headers } : {}) });
    const windowStartMs = tsMs - (tsMs % WINDOW_MS);
    const id = `${key}@${windowStartMs}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    while (bad < Math.round(((i + 1) * BAD) / GOOD) && bad < BAD) {
      let kind = BAD_KINDS[Math.floor(random() * BAD_KINDS.length)] as BadKind;
      // A handful of near-maximum records is enough to show the path; thousands would only fill the disk.
      if (kind === 'near-max-size' && nearMax >= 5 * scale) kind = 'random-bytes';
      if (kind === 'near-max-size') nearMax++;
      records.push(badRecord(kind, random, key, partition, tsMs));
      badByKind.set(kind, (badByKind.get(kind) ?? 0) + 1);
      bad++;
    }
  }
  return { records, counts, badByKind };
}

/** Produces in order with one idempotent producer; returns each record's offset. Large records go alone. */
async function produceAll(topic: string, records: Input[]): Promise<string[]> {
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const next = new Array<number>(PARTITIONS).fill(0);
  const offsets: string[] = [];
  let chunk: Input[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.send({ topic, acks: -1, messages: chunk.map((m) => ({ key: m.key, value: m.value, partition: m.partition, ...(m.headers !== undefined ? { headers: m.headers } : {}) })) });
    chunk = [];
    bytes = 0;
  };
  for (const r of records) {
    const size = (r.value?.length ?? 0) + (r.key?.length ?? 0);
    if (bytes + size > 400_000) await flush();
    chunk.push(r);
    bytes += size;
    offsets.push(String(next[r.partition]));
    next[r.partition] = (next[r.partition] as number) + 1;
  }
  await flush();
  await producer.disconnect();
  return offsets;
}

function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

describe('fuzzed input', () => {
  it('dead-letters every bad record once and counts every good one once', async () => {
    const input = uniqueName('fuzz-in');
    const output = uniqueName('fuzz-out');
    const late = uniqueName('fuzz-late');
    const applicationId = uniqueName('fuzz');
    await createTopics([
      { name: input, partitions: PARTITIONS },
      { name: output, partitions: PARTITIONS },
      { name: late, partitions: 1 },
    ]);
    const { records, counts, badByKind } = generate();
    const offsets = await produceAll(input, records);
    const app = startSluice(fixture, {
      applicationId,
      env: { FUZZ_INPUT: input, FUZZ_OUTPUT: output, FUZZ_LATE: late, KAFKA_BROKERS: brokers(), SLUICE_TEST_LOG_LEVEL: 'warn' },
      flags: ['--log-level', 'warn'],
      name: 'fuzz',
    });
    const pid = app.child.pid as number;
    let peakRss = 0;
    const admin = kafka().admin();
    await admin.connect();
    try {
      await waitFor(
        'every input record committed',
        async () => {
          expect(app.child.exitCode, app.output().slice(-3000)).toBeNull();
          peakRss = Math.max(peakRss, peakRssBytes(pid));
          const committed = await admin.fetchOffsets({ groupId: applicationId, topics: [input] }).catch(() => []);
          const total = (committed[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
          return total === records.length;
        },
        600_000,
        1000,
      );
    } finally {
      await admin.disconnect();
    }
    peakRss = Math.max(peakRss, peakRssBytes(pid));
    expect(app.child.exitCode).toBeNull();

    const badCount = records.filter((r) => r.bad !== undefined).length;
    const dlq = await readTopicRaw(`${applicationId}-dlq`, { expected: badCount, timeoutMs: 120_000 });
    const out = await readTopicRaw(output, { expected: GOOD, timeoutMs: 180_000, quietMs: 3000 });
    const lateRecords = await readTopicRaw(late, { timeoutMs: 5_000, quietMs: 1000 });
    app.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    // Never stalled: the stall detector reports a task whose positions stop moving with input left.
    expect(app.output()).not.toMatch(/stalled/);

    // Every bad record in the DLQ exactly once, with error headers; no good record there.
    const expectedBad = new Map<string, string>();
    records.forEach((r, i) => {
      if (r.bad !== undefined) expectedBad.set(`${r.partition}:${offsets[i] as string}`, r.bad);
    });
    const seen = new Map<string, number>();
    const dlqByKind = new Map<string, number>();
    for (const d of dlq) {
      const id = `${d.headers['sluice.source.partition']}:${d.headers['sluice.source.offset']}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      expect(d.headers['sluice.error.code'], JSON.stringify(d.headers)).toMatch(/^SLUICE_/);
      expect(d.headers['sluice.error.message']).toBeTruthy();
      const kind = expectedBad.get(id);
      expect(kind, `DLQ record ${id} is not a bad input record: ${JSON.stringify(d.headers)}`).toBeDefined();
      dlqByKind.set(kind as string, (dlqByKind.get(kind as string) ?? 0) + 1);
      // The event-time rule, not some later failure, rejected the watermark poisoners.
      if (kind === 'year-3000-ts') expect(d.headers['sluice.error.message']).toMatch(/ahead of the wall clock/);
      if (kind === 'before-1970-ts') expect(d.headers['sluice.error.message']).toMatch(/before 1970/);
      if (kind === 'infinity-ts') expect(d.headers['sluice.error.message']).toMatch(/returned -?Infinity/);
      if (kind === 'invalid-utf8-key' || kind === 'invalid-utf8-value') expect(d.headers['sluice.error.message']).toMatch(/not valid UTF-8/);
      if (kind === 'near-max-size') expect(d.headers['sluice.dropped.payload.bytes']).toMatch(/^\d+$/);
    }
    expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
    expect(seen.size).toBe(expectedBad.size);

    // Every good record counted exactly once: the last update of each window is its count.
    const last = new Map<string, { offset: bigint; partition: number; count: number }>();
    let updates = 0;
    for (const o of out) {
      const k = JSON.parse((o.key as Buffer).toString()) as { key: string; startMs: number };
      const id = `${k.key}@${k.startMs}`;
      const v = JSON.parse((o.value as Buffer).toString()) as { value: number; final: boolean };
      // One update per good record; a window that closed adds its final result (the same count again).
      if (!v.final) updates++;
      const prev = last.get(id);
      if (prev === undefined || BigInt(o.offset) > prev.offset) last.set(id, { offset: BigInt(o.offset), partition: o.partition, count: v.value });
    }
    const got = new Map([...last].map(([id, v]) => [id, v.count]));
    expect(got).toEqual(counts);
    expect(updates).toBe(GOOD);
    expect(lateRecords).toHaveLength(0);

    const rows = [...badByKind].sort().map(([kind, sent]) => `| ${kind} | ${sent} | ${dlqByKind.get(kind) ?? 0} | 0 |`);
    console.log(
      [
        `[fuzz] ${GOOD} good + ${badCount} bad records, peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB, crashes 0`,
        '| kind | sent | in DLQ | counted |',
        '|---|---|---|---|',
        ...rows,
        `| good | ${GOOD} | 0 | ${[...got.values()].reduce((a, b) => a + b, 0)} |`,
      ].join('\n'),
    );
    expect(peakRss).toBeLessThan(1024 * 1024 * 1024);
  });
});
