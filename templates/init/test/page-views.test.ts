import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Windowed, WindowResult } from 'sluice';
import { TopologyTestDriver } from 'sluice/testing';
import pageViews, { demo, type Click } from '../src/page-views.ts';

const S = 1000;

describe('src/page-views.ts', () => {
  it('counts views per path and 10-second window, once per window, after grace', () => {
    const driver = new TopologyTestDriver(pageViews);
    const clicks = driver.input<string | null, Click>('clicks');
    const click = (path: string, ts: number, userAgent = 'Mozilla/5.0') => clicks.pipe('session-1', { url: `https://shop.example${path}`, userAgent, ts });
    click('/cart', 0);
    click('/Cart/', 4 * S);
    click('/', 9 * S);
    click('/cart', 5 * S, 'Googlebot/2.1'); // a bot: not counted
    click('/cart', 11 * S); // next window; [0, 10 s) is still open for 2 s of grace
    assert.deepEqual(driver.readOutput('page-views-10s'), []);

    click('/', 12 * S); // watermark 12 s >= 10 s + 2 s: [0, 10 s) closes
    const out = driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-10s');
    assert.deepEqual(
      out.map((r) => [r.key.key, r.key.startMs, r.key.endMs, r.value]).sort(),
      [
        ['/', 0, 10 * S, { value: 1, final: true }],
        ['/cart', 0, 10 * S, { value: 2, final: true }],
      ],
    );

    click('/cart', 3 * S); // its window closed: late, counted and dropped
    assert.equal(driver.lateRecords(), 1);
  });

  it('has a demo feed that writes clicks the topology reads', () => {
    const driver = new TopologyTestDriver(pageViews);
    const clicks = driver.input<string | null, Click>(demo.topic);
    for (let i = 0; i < 100; i++) {
      const { key, value } = demo.record(i, 1_000 + i * 50);
      clicks.pipe(key, value);
    }
    clicks.pipe(null, { url: '/', ts: 20 * S }); // moves event time past the first window's grace
    const out = driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-10s');
    const counted = out.reduce((sum, r) => sum + r.value.value, 0);
    assert.equal(counted, 95); // 5 of the 100 came from a bot
  });
});
