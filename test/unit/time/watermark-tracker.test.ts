import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/index.ts';
import { NO_WATERMARK } from '../../../src/processor/processor.ts';
import { WatermarkTracker, type WatermarkTrackerOptions } from '../../../src/time/watermark-tracker.ts';
import { InMemoryWindowStore } from '../../../src/state/window-store.ts';
import { count } from '../../../src/windows/aggregations.ts';
import { tumbling } from '../../../src/windows/definitions.ts';
import { WindowAggregateProcessor } from '../../../src/windows/window-aggregate.ts';
import { FakeContext } from '../windows/fake-context.ts';

/** observe: [input, eventTimeMs]; tick: advanceIdle(nowMs); register: [input, nowMs]; then the expected current(). */
type Op =
  | { readonly observe: readonly [string, number]; readonly expect: number }
  | { readonly tick: number; readonly expect: number }
  | { readonly register: readonly [string, number]; readonly expect: number }
  | { readonly restore: number; readonly expect: number };

function play(options: WatermarkTrackerOptions, ops: readonly Op[]): void {
  const tracker = new WatermarkTracker(options);
  ops.forEach((op, i) => {
    if ('observe' in op) tracker.observe(...op.observe);
    else if ('tick' in op) tracker.advanceIdle(op.tick);
    else if ('register' in op) tracker.register(...op.register);
    else tracker.restoreTo(op.restore);
    expect(tracker.current(), `after op ${i}: ${JSON.stringify(op)}`).toBe(op.expect);
  });
}

describe('WatermarkTracker', () => {
  it('restores the highest event time per input, so an input without records left does not hold the watermark', () => {
    const before = new WatermarkTracker({ maxOutOfOrdernessMs: 0 });
    before.register('left', 0);
    before.register('right', 0);
    before.observe('left', 500);
    expect(before.current()).toBe(NO_WATERMARK);
    expect(before.inputMaxima()).toEqual({ left: 500 });
    const after = new WatermarkTracker({ maxOutOfOrdernessMs: 0 });
    after.register('left', 0);
    after.register('right', 0);
    after.restoreInputs({ ...before.inputMaxima(), gone: 9 });
    after.observe('right', 300);
    expect(after.current()).toBe(300);
    after.observe('right', 900);
    expect(after.current()).toBe(500);
    expect(after.inputMaxima()).toEqual({ left: 500, right: 900 });
  });

  it.each<[string, WatermarkTrackerOptions, Op[]]>([
    ['is NO_WATERMARK before any record', { maxOutOfOrdernessMs: 5 }, [{ tick: 0, expect: NO_WATERMARK }]],
    ['is max event time − maxOutOfOrderness', { maxOutOfOrdernessMs: 5 }, [
      { observe: ['p0', 10], expect: 5 },
      { observe: ['p0', 20], expect: 15 },
    ]],
    ['never decreases on out-of-order records', { maxOutOfOrdernessMs: 0 }, [
      { observe: ['p0', 20], expect: 20 },
      { observe: ['p0', 8], expect: 20 },
      { observe: ['p0', 21], expect: 21 },
    ]],
    ['is the minimum over inputs', { maxOutOfOrdernessMs: 10 }, [
      { observe: ['p0', 100], expect: 90 },
      { observe: ['p1', 50], expect: 90 }, // never decreases: p1 appeared after the watermark was set
      { observe: ['p0', 300], expect: 90 },
      { observe: ['p1', 200], expect: 190 },
    ]],
    ['waits for a registered input without records', { maxOutOfOrdernessMs: 0 }, [
      { register: ['p0', 0], expect: NO_WATERMARK },
      { register: ['p1', 0], expect: NO_WATERMARK },
      { observe: ['p0', 100], expect: NO_WATERMARK },
      { observe: ['p1', 40], expect: 40 },
      { observe: ['p1', 150], expect: 100 },
    ]],
    ['stops waiting for a registered input once it is idle', { maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000 }, [
      { register: ['p0', 0], expect: NO_WATERMARK },
      { register: ['p1', 0], expect: NO_WATERMARK },
      { observe: ['p0', 100], expect: NO_WATERMARK },
      { tick: 999, expect: NO_WATERMARK },
      { tick: 1_000, expect: 100 },
    ]],
    ['excludes an idle input from the minimum; it rejoins on its next record', { maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000 }, [
      { observe: ['p0', 100], expect: 100 },
      { observe: ['p1', 50], expect: 100 },
      { tick: 0, expect: 100 },
      { observe: ['p0', 300], expect: 100 },
      { observe: ['p1', 120], expect: 120 },
      { tick: 500, expect: 120 },
      { observe: ['p0', 400], expect: 120 },
      { tick: 1_499, expect: 120 }, // p1 last active at 500
      { observe: ['p0', 450], expect: 120 },
      { tick: 1_500, expect: 450 }, // p1 idle: only p0 counts
      { observe: ['p1', 130], expect: 450 }, // p1 active again, but the watermark never decreases
      { observe: ['p0', 600], expect: 450 },
      { observe: ['p1', 700], expect: 600 },
    ]],
    ['all idle: advances with wall clock from where event time stopped', { maxOutOfOrdernessMs: 10, idleTimeoutMs: 1_000 }, [
      { observe: ['p0', 100], expect: 90 },
      { observe: ['p1', 80], expect: 90 },
      { tick: 5_000, expect: 90 },
      { tick: 5_999, expect: 90 },
      { tick: 6_000, expect: 90 }, // both idle, elapsed beyond the timeout 0; base = highest input watermark 90
      { tick: 6_250, expect: 340 },
      { tick: 7_000, expect: 1_090 },
      { observe: ['p0', 500], expect: 1_090 }, // traffic resumes behind the advanced watermark: late records
      { tick: 7_100, expect: 1_090 },
      { observe: ['p0', 1_500], expect: 1_490 }, // p1 is still idle: p0 alone counts
      { tick: 7_200, expect: 1_490 },
    ]],
    ["all idle with 'hold': stays", { maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000, whenAllIdle: 'hold' }, [
      { observe: ['p0', 100], expect: 100 },
      { tick: 0, expect: 100 },
      { tick: 60_000, expect: 100 },
    ]],
    ['all idle, jumps to the highest input (nothing holds it back)', { maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000, whenAllIdle: 'hold' }, [
      { observe: ['p0', 100], expect: 100 },
      { observe: ['p1', 500], expect: 100 },
      { observe: ['p1', 510], expect: 100 },
      { tick: 0, expect: 100 },
      { tick: 1_000, expect: 510 },
    ]],
    ['without idleTimeout nothing is ever idle', { maxOutOfOrdernessMs: 0 }, [
      { observe: ['p0', 100], expect: 100 },
      { register: ['p1', 0], expect: 100 },
      { tick: 10_000_000, expect: 100 },
    ]],
    ['restoreTo resumes from the persisted watermark', { maxOutOfOrdernessMs: 0 }, [
      { restore: 500, expect: 500 },
      { observe: ['p0', 100], expect: 500 },
      { observe: ['p0', 700], expect: 700 },
      { restore: 600, expect: 700 },
    ]],
    ['a restored watermark advances when all inputs stay idle after restart', { maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000 }, [
      { restore: 500, expect: 500 },
      { register: ['p0', 10_000], expect: 500 },
      { tick: 11_000, expect: 500 },
      { tick: 11_300, expect: 800 },
    ]],
  ])('%s', (_name, options, ops) => play(options, ops));

  it('reports which inputs are idle', () => {
    const tracker = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 100 });
    tracker.observe('p0', 1);
    tracker.register('p1', 0);
    tracker.advanceIdle(50);
    tracker.observe('p0', 2);
    tracker.advanceIdle(120);
    expect([tracker.isIdle('p0'), tracker.isIdle('p1')]).toEqual([false, true]);
    tracker.unregister('p1');
    expect(tracker.current()).toBe(2);
  });

  it.each([
    [{ maxOutOfOrdernessMs: -1 }],
    [{ maxOutOfOrdernessMs: Number.NaN }],
    [{ maxOutOfOrdernessMs: 0, idleTimeoutMs: 0 }],
  ])('rejects %j', (options) => {
    expect(() => new WatermarkTracker(options)).toThrow(ConfigError);
  });

  it('lets a tumbling window close after traffic stops (idle timeout + the rest of the window)', () => {
    const tracker = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000 });
    const store = new InMemoryWindowStore<string, number>({ name: 'counts' });
    const context = new FakeContext(store);
    const processor = new WindowAggregateProcessor({ name: 'count', windows: tumbling(100), storeName: 'counts', emit: 'final', ...count() });
    processor.init(context);
    const tick = (nowMs: number): void => {
      context.watermark = tracker.advanceIdle(nowMs);
      processor.onWatermark(context.watermark);
    };
    for (const timestampMs of [10, 50, 95]) {
      processor.process('k', 'v', timestampMs);
      tracker.observe('p0', timestampMs);
    }
    tick(0); // the batch ends; then no more traffic
    tick(1_004);
    expect(context.forwarded).toEqual([]);
    tick(1_005); // idle since 1000 ms, plus 5 ms of wall clock to reach the window end 100
    expect(context.take()).toEqual([{ key: { key: 'k', startMs: 0, endMs: 100 }, value: { value: 3, final: true }, timestampMs: 99 }]);
  });
});
