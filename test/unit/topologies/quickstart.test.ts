import { describe, expect, it } from 'vitest';
import quickstart, { demo, type Click } from '../../../topologies/quickstart.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import type { Windowed, WindowResult } from '../../../src/index.ts';

const S = 1000;

describe('topologies/quickstart.ts', () => {
  it('counts views per path and 10-second window once the window and its 2 s grace have passed', () => {
    const driver = new TopologyTestDriver(quickstart);
    const clicks = driver.input<string | null, Click>('clicks');
    const click = (path: string, ts: number, userAgent = 'Mozilla/5.0') => clicks.pipe('s', { url: `https://x${path}`, userAgent, ts });
    click('/cart', 1 * S);
    click('/Cart/', 9 * S);
    click('/cart', 9 * S, 'Googlebot/2.1');
    click('/', 10 * S);
    click('/cart', 11_999); // still within grace of [0, 10 s)
    expect(driver.readOutput('page-views-10s')).toEqual([]);
    click('/', 12 * S); // watermark 12 s: [0, 10 s) closes
    const out = driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-10s');
    expect(out.map((r) => [r.key.key, r.key.startMs, r.key.endMs, r.value])).toEqual([['/cart', 0, 10 * S, { value: 2, final: true }]]);
  });

  it('closes windows by the wall clock once its input has been idle for 5 s', () => {
    const driver = new TopologyTestDriver(quickstart, { wallClockMs: 0 });
    const clicks = driver.input<string | null, Click>('clicks');
    clicks.pipe('s', { url: '/', ts: 1 * S });
    driver.advanceWallClock(20 * S);
    const out = driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-10s');
    expect(out.map((r) => [r.key.key, r.value.value])).toEqual([['/', 1]]);
  });

  it('its demo feed counts every human click exactly once', () => {
    const driver = new TopologyTestDriver(quickstart, { partitions: 4 });
    const clicks = driver.input<string | null, Click>(demo.topic);
    const startMs = 1_000_000;
    for (let i = 0; i < 400; i++) {
      const { key, value } = demo.record(i, startMs + i * 50); // 20 per second, 20 s of clicks
      clicks.pipe(key, value);
    }
    // Each path's task has its own watermark (time is per partition of the repartition topic): a later click
    // on every path closes every window.
    const paths = ['/', '/products', '/products/42', '/cart', '/checkout', '/search'];
    for (const path of paths) clicks.pipe(null, { url: path, ts: startMs + 60 * S });
    const out = driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-10s');
    const total = out.filter((r) => r.key.endMs <= startMs + 30 * S).reduce((sum, r) => sum + r.value.value, 0);
    expect(total).toBe(380); // 1 in 20 is a bot
    expect(new Set(out.map((r) => r.key.key))).toEqual(new Set(paths));
  });
});
