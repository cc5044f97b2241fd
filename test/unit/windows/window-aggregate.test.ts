import { describe, expect, it } from 'vitest';
import { InMemoryWindowStore } from '../../../src/state/window-store.ts';
import { count } from '../../../src/windows/aggregations.ts';
import { hopping, tumbling, type TimeWindows } from '../../../src/windows/definitions.ts';
import { WindowAggregateProcessor } from '../../../src/windows/window-aggregate.ts';
import type { EmitMode } from '../../../src/windows/windowed.ts';
import { FakeContext, run, type Step } from './fake-context.ts';

function setup(windows: TimeWindows, emit: EmitMode = 'final') {
  const store = new InMemoryWindowStore<string, number>({ name: 'counts' });
  const context = new FakeContext(store);
  const processor = new WindowAggregateProcessor<string, unknown, number>({ name: 'clicks-per-window', windows, storeName: 'counts', emit, ...count() });
  processor.init(context);
  return { store, context, processor };
}

/** "key [start,end)=count" for final results, "~key [start,end)=count" for updates. */
function results(context: FakeContext): string[] {
  return context.take().map(({ key, value, timestampMs }) => {
    const { key: k, startMs, endMs } = key as { key: string; startMs: number; endMs: number };
    const { value: v, final } = value as { value: number; final: boolean };
    expect(timestampMs).toBe(endMs - 1);
    return `${final ? '' : '~'}${k} [${startMs},${endMs})=${v}`;
  });
}

function late(context: FakeContext): string[] {
  return context.late.splice(0).map((r) => `${String(r.key)}@${r.timestampMs} [${r.windowStartMs},${r.windowEndMs}) wm=${r.watermarkMs}`);
}

describe('tumbling window aggregate: the close rule is watermark >= end + grace', () => {
  const tumbling10grace5 = tumbling(10).grace(5);
  it.each<[string, Step[], string[], string[]]>([
    ['a record exactly at the window end belongs to the next window', [['a', 1, 9], ['a', 1, 10], { watermark: 100 }], ['a [0,10)=1', 'a [10,20)=1'], []],
    ['out of order within grace is counted', [['a', 1, 9], { watermark: 14 }, ['a', 1, 2], { watermark: 15 }], ['a [0,10)=2'], []],
    ['at end + grace exactly the window is closed: the record is late', [['a', 1, 9], { watermark: 15 }, ['a', 1, 2]], ['a [0,10)=1'], ['a@2 [0,10) wm=15']],
    ['after grace the record is late and nothing else happens', [['a', 1, 9], { watermark: 30 }, ['b', 1, 5]], ['a [0,10)=1'], ['b@5 [0,10) wm=30']],
    ['a late record does not re-create a window', [{ watermark: 30 }, ['a', 1, 5], { watermark: 100 }], [], ['a@5 [0,10) wm=30']],
    ['a negative timestamp has no window: reported late', [['a', 1, -3]], [], ['a@-3 [-10,0) wm=-9007199254740991']],
    ['nothing closes before the watermark reaches end + grace', [['a', 1, 1], { watermark: 14 }], [], []],
  ])('%s', (_name, steps, expected, expectedLate) => {
    const { context, processor } = setup(tumbling10grace5);
    run(processor, context, steps);
    expect(results(context)).toEqual(expected);
    expect(late(context)).toEqual(expectedLate);
  });

  it('emits by window end, then key insertion order, each window exactly once', () => {
    const { context, processor } = setup(tumbling(10));
    run(processor, context, [['b', 1, 1], ['a', 1, 2], ['c', 1, 15], ['a', 1, 12], ['b', 1, 3], { watermark: 10 }, { watermark: 10 }, { watermark: 25 }]);
    expect(results(context)).toEqual(['b [0,10)=2', 'a [0,10)=1', 'c [10,20)=1', 'a [10,20)=1']);
  });

  it('uses the higher of context watermark and the last onWatermark to judge lateness', () => {
    const { context, processor } = setup(tumbling(10));
    run(processor, context, [['a', 1, 5], { watermark: 10 }]);
    context.watermark = 3; // a runtime that reports a stale watermark must not make closed windows reappear
    processor.process('a', 1, 6);
    expect(late(context)).toEqual(['a@6 [0,10) wm=10']);
  });

  it("'update' forwards every change, then the final result as the closing marker", () => {
    const { context, processor } = setup(tumbling(10), 'update');
    run(processor, context, [['a', 1, 1], ['a', 1, 2], ['b', 1, 3], { watermark: 10 }]);
    expect(results(context)).toEqual(['~a [0,10)=1', '~a [0,10)=2', '~b [0,10)=1', 'a [0,10)=2', 'b [0,10)=1']);
  });

  it("'final' forwards nothing until the window closes", () => {
    const { context, processor } = setup(tumbling(10));
    run(processor, context, [['a', 1, 1], ['a', 1, 2], { watermark: 9 }]);
    expect(results(context)).toEqual([]);
  });

  it('deletes closed windows: tombstones reach the changelog', () => {
    const { store, context, processor } = setup(tumbling(10));
    run(processor, context, [['a', 1, 1], ['a', 1, 12]]);
    expect(store.drainChanges().map((c) => c.value?.toString() ?? null)).toEqual(['1', '1']);
    run(processor, context, [{ watermark: 10 }]);
    expect(store.drainChanges().map((c) => c.value)).toEqual([null]);
    expect(store.size()).toBe(1);
  });

  it('a restarted task (store restored, watermark restored) emits nothing twice and keeps counting', () => {
    const first = setup(tumbling(10));
    run(first.processor, first.context, [['a', 1, 1], ['a', 1, 11], { watermark: 10 }]);
    expect(results(first.context)).toEqual(['a [0,10)=1']);
    const changes = first.store.drainChanges();

    const second = setup(tumbling(10));
    for (const change of changes) second.store.restore(change);
    expect(second.store.hasChanges()).toBe(false);
    second.context.watermark = 10;
    run(second.processor, second.context, [{ watermark: 10 }, ['a', 1, 5], ['a', 1, 15], { watermark: 20 }]);
    expect(results(second.context)).toEqual(['a [10,20)=2']);
    expect(late(second.context)).toEqual(['a@5 [0,10) wm=10']);
  });
});

describe('hopping window aggregate', () => {
  it.each<[string, Step[], string[], string[]]>([
    ['a record is counted in every window that contains it', [['a', 1, 7], ['a', 1, 12], { watermark: 100 }], ['a [0,10)=1', 'a [5,15)=2', 'a [10,20)=1'], []],
    ['no windows with a negative start', [['a', 1, 3], { watermark: 100 }], ['a [0,10)=1'], []],
    ['partly closed: counted in the open windows only, not reported', [{ watermark: 10 }, ['a', 1, 7], { watermark: 100 }], ['a [5,15)=1'], []],
    ['late when all its windows are closed: reports its last window', [{ watermark: 15 }, ['a', 1, 7]], [], ['a@7 [5,15) wm=15']],
  ])('%s', (_name, steps, expected, expectedLate) => {
    const { context, processor } = setup(hopping(10, { advance: 5 }));
    run(processor, context, steps);
    expect(results(context)).toEqual(expected);
    expect(late(context)).toEqual(expectedLate);
  });

  it('with stream time as the watermark (Kafka Streams), windows close as records advance it', () => {
    const { context, processor } = setup(hopping(10, { advance: 5 }).grace(2));
    // wm 11 < 10 + 2: [0,10) still open for 4; 12 closes it; 9 then counts in [5,15) only; 17 closes [5,15).
    run(processor, context, [['a', 1, 1], ['a', 1, 6], ['a', 1, 11], ['a', 1, 4], ['a', 1, 12], ['a', 1, 9], ['a', 1, 17]], { streamTime: true });
    expect(results(context)).toEqual(['a [0,10)=3', 'a [5,15)=4']);
    expect(late(context)).toEqual([]);
    run(processor, context, [['a', 1, 8]], { streamTime: true });
    expect(late(context)).toEqual(['a@8 [5,15) wm=17']);
  });
});
