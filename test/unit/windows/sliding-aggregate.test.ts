import { describe, expect, it } from 'vitest';
import { InMemoryWindowStore } from '../../../src/state/window-store.ts';
import { aggregate, count } from '../../../src/windows/aggregations.ts';
import { sliding } from '../../../src/windows/definitions.ts';
import { SlidingAggregateProcessor, slidingAggregateSerde, type SlidingAggregate } from '../../../src/windows/sliding-aggregate.ts';
import { jsonStoreSerde } from '../../../src/state/store-serde.ts';
import type { EmitMode } from '../../../src/windows/windowed.ts';
import { FakeContext, run, type Step } from './fake-context.ts';

const SIZE = 10;

function setup<A>(aggregation: { initializer: () => A; aggregator: (k: string, v: number, a: A) => A }, emit: EmitMode = 'final', graceMs = 0) {
  const store = new InMemoryWindowStore<string, SlidingAggregate<A>>({ name: 'sliding' });
  const context = new FakeContext(store);
  const processor = new SlidingAggregateProcessor<string, number, A>({
    name: 'sliding', windows: sliding(SIZE).grace(graceMs), storeName: 'sliding', emit, ...aggregation,
  });
  processor.init(context);
  return { store, context, processor };
}

/** Store content as Kafka Streams would show it: "[start,endInclusive]=aggregate". */
function windows<A>(store: InMemoryWindowStore<string, SlidingAggregate<A>>, key = 'k'): string[] {
  return store.fetch(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((w) => `[${w.startMs},${w.endMs - 1}]=${JSON.stringify(w.value.value)}`);
}

/** The timestamps in each window: an aggregate that keeps them all, sorted (pure: returns a new array). */
const timestamps = aggregate<string, number, number[]>(() => [], (_k, t, list) => [...list, t].sort((a, b) => a - b));

describe('sliding window aggregate (Kafka Streams SlidingWindows, time difference 10)', () => {
  it.each<[string, Step[], string[]]>([
    ['one record: its left window', [['k', 20, 20]], ['[10,20]=[20]']],
    ['a following record creates the previous right window', [['k', 20, 20], ['k', 25, 25]], ['[10,20]=[20]', '[15,25]=[20,25]', '[21,31]=[25]']],
    ['records further apart than size + 1 share no window', [['k', 20, 20], ['k', 40, 40]], ['[10,20]=[20]', '[30,40]=[40]']],
    ['a record exactly size + 1 later: its left window is the right window of the first', [['k', 20, 20], ['k', 31, 31]], ['[10,20]=[20]', '[21,31]=[31]']],
    ['out of order: an earlier record updates later windows and gets its right window', [['k', 25, 25], ['k', 20, 20]], ['[10,20]=[20]', '[15,25]=[20,25]', '[21,31]=[25]']],
    ['duplicates timestamps share windows', [['k', 20, 20], ['k', 20, 20]], ['[10,20]=[20,20]']],
    ['early records share [0, size]', [['k', 3, 3], ['k', 1, 1]], ['[0,10]=[1,3]', '[2,12]=[3]']],
    ['an early record and a later one', [['k', 3, 3], ['k', 12, 12]], ['[0,10]=[3]', '[2,12]=[3,12]', '[4,14]=[12]']],
  ])('%s', (_name, steps, expected) => {
    const { store, context, processor } = setup(timestamps);
    run(processor, context, steps);
    expect(windows(store)).toEqual(expected);
  });

  it('matches the brute-force definition of the window set on random out-of-order input', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const records = Array.from({ length: 1 + random(12) }, () => random(60));
      const { store, context, processor } = setup(timestamps);
      run(processor, context, records.map((t) => ['k', t, t] as const));
      expect(windows(store), `records ${JSON.stringify(records)}`).toEqual(reference(records));
    }
  });

  it('a record is late only when its latest window is closed (watermark >= t + size + 1 + grace)', () => {
    const { context, processor } = setup(count(), 'final', 2);
    run(processor, context, [{ watermark: 32 }, ['k', 1, 20]]);
    expect(context.late).toEqual([]);
    run(processor, context, [{ watermark: 33 }, ['k', 1, 20]]);
    expect(context.late.map((r) => [r.timestampMs, r.windowStartMs, r.windowEndMs, r.watermarkMs])).toEqual([[20, 10, 21, 33]]);
  });

  it('a record whose windows are partly closed: the closed ones take it silently (exact seeds), nothing is forwarded for them', () => {
    const { store, context, processor } = setup(timestamps, 'update');
    run(processor, context, [['k', 30, 30], { watermark: 21 }, ['k', 19, 19]]);
    expect(windows(store)).toEqual(['[9,19]=[19]', '[20,30]=[30]']);
    expect(context.take().map((f) => (f.key as { startMs: number }).startMs)).toEqual([20]); // [9,19]: created closed
    expect(context.late).toEqual([]);
  });

  it('keeps closed windows as seeds: a record behind the watermark (set by other keys) still sees earlier records', () => {
    const { context, processor } = setup(timestamps);
    run(processor, context, [['k', 20, 20], ['k', 25, 25], ['other', 30, 30], { watermark: 29 }, ['k', 29, 29], { watermark: 1_000 }]);
    const emitted = context.take().filter((f) => (f.key as { key: string }).key === 'k')
      .map((f) => `[${(f.key as { startMs: number }).startMs},${(f.key as { endMs: number }).endMs - 1}]=${JSON.stringify((f.value as { value: number[] }).value)}`);
    expect(emitted).toEqual(['[10,20]=[20]', '[15,25]=[20,25]', '[19,29]=[20,25,29]', '[21,31]=[25,29]', '[26,36]=[29]']);
  });

  it('deletes closed windows once no record that is not late can reach them (end <= watermark − 2 × size − grace)', () => {
    const { store, context, processor } = setup(count());
    run(processor, context, [['k', 1, 20], ['k', 1, 25], { watermark: 40 }]);
    expect(store.size()).toBe(3);
    run(processor, context, [{ watermark: 46 }]);
    expect(store.fetch('k', 0, 100).map((w) => w.startMs)).toEqual([21]);
    run(processor, context, [{ watermark: 52 }]);
    expect(store.size()).toBe(0);
  });

  it('a restarted task never emits a closed window twice (the closed flag is in the changelog)', () => {
    const first = setup(count());
    run(first.processor, first.context, [['k', 1, 20], ['k', 1, 25], { watermark: 30 }]);
    expect(first.context.take().map((f) => (f.key as { startMs: number }).startMs)).toEqual([10, 15]);
    const second = setup(count());
    for (const change of first.store.drainChanges()) second.store.restore(change);
    second.context.watermark = 30;
    run(second.processor, second.context, [{ watermark: 30 }, { watermark: 100 }]);
    expect(second.context.take().map((f) => (f.key as { startMs: number }).startMs)).toEqual([21]);
  });

  it('multi-key, out-of-order input with a lagging watermark: results match first principles', () => {
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      const graceMs = random(2) * 3;
      const { context, processor } = setup(timestamps, 'final', graceMs);
      const accepted: { key: string; t: number; watermarkMs: number }[] = [];
      let maxMs = 0;
      for (let i = 0; i < 80; i++) {
        const key = ['a', 'b', 'c'][random(3)] as string;
        const t = Math.max(0, i * 2 + random(30) - 25);
        const lateBefore = context.late.length;
        const watermarkMs = context.watermark;
        processor.process(key, t, t);
        if (context.late.length === lateBefore) accepted.push({ key, t, watermarkMs });
        maxMs = Math.max(maxMs, t);
        run(processor, context, [{ watermark: maxMs - 5 }]);
      }
      run(processor, context, [{ watermark: 10_000 }]);
      const seen = new Set<string>();
      for (const { key, value } of context.take()) {
        const { key: k, startMs, endMs } = key as { key: string; startMs: number; endMs: number };
        const id = `${k} [${startMs},${endMs - 1}] round ${round}`;
        expect(seen.has(id), `emitted twice: ${id}`).toBe(false);
        seen.add(id);
        const mine = accepted.filter((r) => r.key === k);
        expect(reference(mine.map((r) => r.t)).map((w) => w.split('=')[0]), id).toContain(`[${startMs},${endMs - 1}]`);
        const inside = mine.filter((r) => r.t >= startMs && r.t < endMs && r.watermarkMs < endMs + graceMs).map((r) => r.t).sort((x, y) => x - y);
        expect((value as { value: number[] }).value, id).toEqual(inside);
      }
      for (const { key, t, watermarkMs } of accepted) {
        const startMs = Math.max(0, t - SIZE);
        if (watermarkMs < startMs + SIZE + 1 + graceMs) expect(seen.has(`${key} [${startMs},${startMs + SIZE}] round ${round}`), `left window of ${key}@${t}`).toBe(true);
      }
    }
  });

  it('emits closed windows by end, once, with timestamp = the window end (Kafka window end)', () => {
    const { context, processor } = setup(count());
    run(processor, context, [['k', 1, 20], ['k', 1, 25], { watermark: 26 }, { watermark: 40 }]);
    expect(context.take().map((f) => [f.key, f.value, f.timestampMs])).toEqual([
      [{ key: 'k', startMs: 10, endMs: 21 }, { value: 1, final: true }, 20],
      [{ key: 'k', startMs: 15, endMs: 26 }, { value: 2, final: true }, 25],
      [{ key: 'k', startMs: 21, endMs: 32 }, { value: 1, final: true }, 31],
    ]);
  });

  it("'update' forwards each window change in Kafka's order", () => {
    const { context, processor } = setup(count(), 'update');
    run(processor, context, [['k', 1, 20], ['k', 1, 25]]);
    expect(context.take().map((f) => `${(f.key as { startMs: number }).startMs}=${(f.value as { value: number }).value}`)).toEqual(['10=1', '21=1', '15=2']);
  });

  it('new windows never share a mutable aggregate with the window they were seeded from', () => {
    const mutating = aggregate<string, number, { n: number }>(() => ({ n: 0 }), (_k, _v, agg) => {
      agg.n += 1; // in place: the processor copies seeds so this stays correct
      return agg;
    });
    const { store, context, processor } = setup(mutating);
    run(processor, context, [['k', 1, 20], ['k', 1, 25], ['k', 1, 22], ['k', 1, 27]]);
    const ref = setup(count());
    run(ref.processor, ref.context, [['k', 1, 20], ['k', 1, 25], ['k', 1, 22], ['k', 1, 27]]);
    expect(windows(store).map((w) => w.replace(/\{"n":(\d+)\}/, '$1'))).toEqual(windows(ref.store));
    expect(store.size()).toBeGreaterThan(3);
  });

  it('slidingAggregateSerde round-trips through the aggregate serde', () => {
    const serde = slidingAggregateSerde(jsonStoreSerde<{ total: number }>());
    const value = { value: { total: 5 }, maxTimestampMs: 1_700_000_000_123, closed: true };
    expect(serde.decode(serde.encode(value))).toEqual(value);
  });
});

/**
 * Kafka Streams' sliding windows by definition: the left window [t − size, t] of each record ([0, size] when
 * t < size) and the right window [t + 1, t + 1 + size] of each record followed by another within size + 1;
 * each window holds the records inside it (both ends inclusive).
 */
function reference(records: readonly number[]): string[] {
  const starts = new Set<number>();
  for (const t of records) {
    starts.add(Math.max(0, t - SIZE));
    if (records.some((other) => other > t && other <= t + 1 + SIZE)) starts.add(t + 1);
  }
  return [...starts].sort((a, b) => a - b).map((start) => {
    const inside = records.filter((t) => t >= start && t <= start + SIZE).sort((a, b) => a - b);
    return `[${start},${start + SIZE}]=${JSON.stringify(inside)}`;
  });
}
