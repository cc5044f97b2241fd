/**
 * Seeded inputs for the chaos scenarios and the results they must give, computed here from the input alone.
 *
 * Windowed (test/integration/fixtures/chaos-windowed.ts: 1-minute tumbling count + sum, 30 s grace):
 * records go to explicit partitions in generation order, so each partition's order (and its offsets, on a
 * fresh topic written by one producer) is known. Lateness follows the engine's rule, per task (one input
 * partition): watermark = max event time seen so far in the partition − maxOutOfOrderness (the DSL default 0,
 * src/dsl/define-topology.ts; src/time/watermark-tracker.ts), judged BEFORE the record itself is observed
 * (src/runtime/task.ts processBatch observes after the pipeline ran); a record is late when every window it
 * falls in has end + grace <= watermark (src/windows/window-aggregate.ts). Tumbling windows: one window.
 */
import { partitionForKey } from '../../../src/testing/index.ts';

export const WINDOW_SIZE_MS = 60_000;
export const GRACE_MS = 30_000;
export const MAX_OUT_OF_ORDERNESS_MS = 0;
export const T0 = Date.UTC(2026, 0, 1);

/** A small deterministic PRNG (splitmix-like) so a failing run can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

export interface InputRecord {
  readonly key: string;
  readonly value: string;
  readonly partition: number;
}

export interface ExpectedWindow {
  readonly partition: number;
  count: number;
  sum: number;
}

export interface WindowedInput {
  readonly records: InputRecord[];
  /** `${key}@${windowStartMs}` → expected final result. */
  readonly windows: Map<string, ExpectedWindow>;
  /** `${partition}/${offset}` of every record that must go to the late topic. */
  readonly late: Set<string>;
  /** The window (`key@startMs`) each late record's event time falls in, by `${partition}/${offset}`. */
  readonly lateWindow: Map<string, string>;
  readonly outOfOrder: number;
  readonly partitions: number;
}

export interface WindowedInputOptions {
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  readonly partitions: number;
  /** Event time between consecutive records (default 6 ms: 1,000 keys give ~10 records per key-window). */
  readonly stepMs?: number;
}

export function windowedInput(options: WindowedInputOptions): WindowedInput {
  const { seed, events, keys, partitions } = options;
  const stepMs = options.stepMs ?? 6;
  const random = rng(seed);
  const records: InputRecord[] = [];
  const windows = new Map<string, ExpectedWindow>();
  const late = new Set<string>();
  const lateWindow = new Map<string, string>();
  const maxSeen = new Array<number>(partitions).fill(Number.NaN);
  const nextOffset = new Array<number>(partitions).fill(0);
  const partitionOf = new Map<string, number>();
  let outOfOrder = 0;
  const lateFrom = Math.floor(events * 0.2);
  for (let i = 0; i < events; i++) {
    const key = `key-${Math.floor(random() * keys)}`;
    let partition = partitionOf.get(key);
    if (partition === undefined) {
      partition = partitionForKey(Buffer.from(key), partitions);
      partitionOf.set(key, partition);
    }
    const base = T0 + i * stepMs;
    let ts = base;
    const roll = random();
    if (i > lateFrom && roll < 0.005) ts = base - 95_000 - Math.floor(random() * 60_000); // beyond grace
    else if (roll < 0.055) {
      ts = base - 1 - Math.floor(random() * 20_000); // out of order, within grace
      outOfOrder++;
    }
    const amount = 1 + Math.floor(random() * 100);
    const offset = nextOffset[partition] as number;
    nextOffset[partition] = offset + 1;
    const seen = maxSeen[partition] as number;
    const watermark = Number.isNaN(seen) ? Number.NEGATIVE_INFINITY : seen - MAX_OUT_OF_ORDERNESS_MS;
    const startMs = ts - (((ts % WINDOW_SIZE_MS) + WINDOW_SIZE_MS) % WINDOW_SIZE_MS);
    if (watermark >= startMs + WINDOW_SIZE_MS + GRACE_MS) {
      late.add(`${partition}/${offset}`);
      lateWindow.set(`${partition}/${offset}`, `${key}@${startMs}`);
    } else {
      const id = `${key}@${startMs}`;
      const w = windows.get(id) ?? { partition, count: 0, sum: 0 };
      w.count++;
      w.sum += amount;
      windows.set(id, w);
    }
    if (Number.isNaN(seen) || ts > seen) maxSeen[partition] = ts;
    records.push({ key, value: JSON.stringify({ ts, amount }), partition });
  }
  // One record per partition far in the future closes every window of the run (its own stays open).
  for (let p = 0; p < partitions; p++) {
    let k = 0;
    while (partitionForKey(Buffer.from(`flush-${k}`), partitions) !== p) k++;
    records.push({ key: `flush-${k}`, value: JSON.stringify({ ts: T0 + events * stepMs + 10 * WINDOW_SIZE_MS, amount: 0 }), partition: p });
  }
  return { records, windows, late, lateWindow, outOfOrder, partitions };
}

export interface RekeyInput {
  readonly records: InputRecord[];
  /** id → user. */
  readonly userOf: string[];
  /** user → how many records. */
  readonly perUser: Map<string, number>;
}

export function rekeyInput(options: { seed: number; events: number; users: number; partitions: number }): RekeyInput {
  const random = rng(options.seed);
  const records: InputRecord[] = [];
  const userOf: string[] = [];
  const perUser = new Map<string, number>();
  for (let id = 0; id < options.events; id++) {
    const user = `u${Math.floor(random() * options.users)}`;
    const key = `k${id}`;
    userOf.push(user);
    perUser.set(user, (perUser.get(user) ?? 0) + 1);
    records.push({ key, value: JSON.stringify({ id, user }), partition: partitionForKey(Buffer.from(key), options.partitions) });
  }
  return { records, userOf, perUser };
}
