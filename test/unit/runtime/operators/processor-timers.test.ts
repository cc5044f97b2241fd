import { describe, expect, it } from 'vitest';
import { NO_WATERMARK } from '../../../../src/processor/processor.ts';
import { KeyedTimerQueue, PeriodicTimers } from '../../../../src/runtime/operators/processor-timers.ts';
import { InMemoryKeyValueStore } from '../../../../src/state/key-value-store.ts';

function queue() {
  const store = new InMemoryKeyValueStore<readonly [number, unknown], 1>({ name: 't' });
  return { store, timers: new KeyedTimerQueue(store, 'p') };
}

describe('KeyedTimerQueue', () => {
  it('fires thousands of timers in (time, key) order, each once, whatever the registration order', () => {
    const { timers } = queue();
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    const registered: [number, string][] = [];
    for (let i = 0; i < 3000; i++) {
      const t = Math.floor(random() * 500);
      const k = `k${Math.floor(random() * 40)}`;
      registered.push([t, k]);
      timers.at(t, k);
    }
    const expected = [...new Map(registered.map(([t, k]) => [JSON.stringify([t, k]), [t, k] as const])).values()]
      .sort((a, b) => a[0] - b[0] || (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    const fired: (readonly [number, unknown])[] = [];
    for (const wm of [100, 99, 250, 499, 1000]) timers.fireUpTo(wm, (t, k) => fired.push([t, k]));
    expect(fired).toEqual(expected);
    expect(timers.size).toBe(0);
  });

  it('reloads from its store after a restore and keeps cancelled timers cancelled', () => {
    const { store, timers } = queue();
    timers.at(10, 'a');
    timers.at(20, 'b');
    timers.at(30, 'c');
    timers.cancel(20, 'b');
    const changes = store.drainChanges();
    const restored = queue();
    for (const change of changes) restored.store.restore(change);
    restored.timers.load();
    const fired: unknown[] = [];
    restored.timers.fireUpTo(100, (_, k) => fired.push(k));
    expect(fired).toEqual(['a', 'c']);
  });

  it('rejects a time that is not whole milliseconds', () => {
    expect(() => queue().timers.at(1.5, 'a')).toThrow(/timers.at\(1.5\) needs whole epoch milliseconds/);
  });
});

describe('PeriodicTimers', () => {
  it.each([
    { name: 'fresh task: the first advance fires', resumeAt: NO_WATERMARK, advances: [5, 9, 10, 35, 36, 40], fired: [0, 10, 30, 40] },
    { name: 'resumed at 25: the next firing is 30', resumeAt: 25, advances: [25, 29, 30, 31], fired: [30] },
    { name: 'resumed exactly on a boundary: it was fired before', resumeAt: 20, advances: [20, 21, 30], fired: [30] },
    { name: 'negative event time', resumeAt: NO_WATERMARK, advances: [-25, -20, -11, -10], fired: [-30, -20, -10] },
  ])('event time, interval 10: $name', ({ resumeAt, advances, fired }) => {
    const timers = new PeriodicTimers();
    const got: number[] = [];
    timers.schedule('event-time', 10, (t) => got.push(t), 'p');
    timers.resume(resumeAt, 0);
    for (const wm of advances) timers.advanceWatermark(wm);
    expect(got).toEqual(fired);
  });

  it('rejects a bad interval or domain', () => {
    const timers = new PeriodicTimers();
    expect(() => timers.schedule('event-time', 0, () => {}, 'p')).toThrow(/interval 0 is invalid/);
    expect(() => timers.schedule('processing-time' as 'wall-clock', 10, () => {}, 'p')).toThrow(/time domain "processing-time" is invalid/);
  });
});
