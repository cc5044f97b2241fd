/**
 * Checks a run's output against its input, the same way for every engine: reads the output topic
 * read_committed from the start and compares it with what the input generator says it must hold.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { installFetchAbortedFilter } from '../../src/kafka/kafkajs/fetch-response-patch.ts';
import { endOffsets } from './kafka.ts';
import { sleep } from './processes.ts';

// kafkajs's own read_committed filtering can hand out records of aborted transactions; sluice's fix filters
// them, else a run whose instances aborted transactions (a rebalance between two instances) reads as duplicated.
installFetchAbortedFilter();

export interface Verdict {
  readonly ok: boolean;
  readonly outputRecords: number;
  readonly detail: string;
}

/** Every committed record of `topic` (key and value as strings), in order per partition. */
async function readAll(kafka: Kafka, admin: Admin, topic: string, onRecord: (key: string, value: string) => void): Promise<number> {
  const ends = await endOffsets(admin, topic);
  const next: number[] = ends.map(() => 0);
  const consumer = kafka.consumer({ groupId: `bench-verify-${randomBytes(4).toString('hex')}`, readUncommitted: false, maxBytes: 50 << 20, maxBytesPerPartition: 10 << 20 });
  let count = 0;
  let lastProgress = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          onRecord(m.key?.toString() ?? '', m.value?.toString() ?? '');
          count++;
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last !== undefined) next[batch.partition] = Number(last.offset) + 1;
        lastProgress = performance.now();
      },
    });
    // Done when every partition is read up to its end less the final transaction marker, or nothing came for 5 s
    // (a partition that ends with an aborted transaction stops short of that).
    for (;;) {
      const done = ends.every((end, p) => end === 0 || (next[p] ?? 0) >= end - 1);
      if (done || performance.now() - lastProgress > 5_000) break;
      await sleep(100);
    }
  } finally {
    await consumer.disconnect();
  }
  return count;
}

/** Pass-through and re-key: exactly one output record per input record. */
export async function verifyCount(kafka: Kafka, admin: Admin, topic: string, expected: number): Promise<Verdict> {
  const n = await readAll(kafka, admin, topic, () => {});
  return { ok: n === expected, outputRecords: n, detail: n === expected ? `${n} records` : `${n} records, expected ${expected}` };
}

/** Running count: every update is emitted, and each key's last update is its number of input records. */
export async function verifyTableCount(kafka: Kafka, admin: Admin, topic: string, records: number, keys: number): Promise<Verdict> {
  const last = new Map<string, number>();
  const n = await readAll(kafka, admin, topic, (k, v) => last.set(k, Number(v)));
  let wrong = 0;
  for (let k = 0; k < keys; k++) {
    const expected = Math.floor(records / keys) + (k < records % keys ? 1 : 0);
    if (last.get(`key-${k}`) !== expected) wrong++;
  }
  const ok = n === records && last.size === keys && wrong === 0;
  return { ok, outputRecords: n, detail: `${n} updates (expected ${records}), ${last.size} keys, ${wrong} wrong final counts` };
}

export interface WindowInput {
  readonly records: number;
  readonly keys: number;
  readonly partitions: number;
  /** Event time of record i. */
  readonly ts: (i: number) => number;
}

const WINDOW_MS = 60_000;
const GRACE_MS = 30_000;

/**
 * Windowed count+sum: every emitted window must hold exactly the count and sum of `id` of its input records,
 * once; and the windows emitted are those closed by each partition's stream time (end + grace <= the largest
 * event time; a window within 1 s of that boundary may go either way).
 */
export async function verifyWindows(kafka: Kafka, admin: Admin, topic: string, input: WindowInput): Promise<Verdict> {
  const expected = new Map<string, { count: number; sum: number }>();
  const maxTs: number[] = new Array<number>(input.partitions).fill(-Infinity);
  for (let i = 0; i < input.records; i++) {
    const k = i % input.keys;
    const ts = input.ts(i);
    const start = Math.floor(ts / WINDOW_MS) * WINDOW_MS;
    const id = `key-${k}@${start}`;
    const e = expected.get(id) ?? { count: 0, sum: 0 };
    e.count++;
    e.sum += i;
    expected.set(id, e);
    const p = k % input.partitions;
    if (ts > (maxTs[p] as number)) maxTs[p] = ts;
  }
  let surely = 0;
  let possibly = 0;
  for (const id of expected.keys()) {
    const at = id.lastIndexOf('@');
    const k = Number(id.slice(4, at));
    const end = Number(id.slice(at + 1)) + WINDOW_MS;
    const streamTime = maxTs[k % input.partitions] as number;
    if (end + GRACE_MS <= streamTime - 1_000) surely++;
    if (end + GRACE_MS <= streamTime + 1_000) possibly++;
  }
  const seen = new Set<string>();
  let wrong = 0;
  let duplicated = 0;
  let unparsable = 0;
  const samples: string[] = [];
  const n = await readAll(kafka, admin, topic, (key, value) => {
    try {
      const w = JSON.parse(key) as { key: string; startMs: number };
      const v = JSON.parse(value) as { value: { count: number; sum: number } };
      const id = `${w.key}@${w.startMs}`;
      if (seen.has(id)) duplicated++;
      seen.add(id);
      const e = expected.get(id);
      if (e === undefined || e.count !== v.value.count || e.sum !== v.value.sum) {
        wrong++;
        if (samples.length < 3) samples.push(`${id}: got ${JSON.stringify(v.value)}, expected ${JSON.stringify(e ?? null)}`);
      }
    } catch {
      unparsable++;
    }
  });
  const ok = wrong === 0 && duplicated === 0 && unparsable === 0 && seen.size >= surely && seen.size <= possibly;
  return {
    ok,
    outputRecords: n,
    detail: `${seen.size} windows (closed: ${surely}..${possibly}), ${wrong} wrong, ${duplicated} duplicated${unparsable > 0 ? `, ${unparsable} unparsable` : ''}${samples.length > 0 ? ` (e.g. ${samples.join('; ')})` : ''}`,
  };
}
