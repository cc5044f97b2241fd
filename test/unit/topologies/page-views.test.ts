import { describe, expect, it } from 'vitest';
import pageViews from '../../../topologies/page-views.ts';
import type { RawClick } from '../../../topologies/clicks.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import type { Windowed, WindowResult } from '../../../src/index.ts';

const MIN = 60_000;

describe('topologies/page-views.ts', () => {
  it('counts views per path and minute, once per window, after grace', () => {
    const driver = new TopologyTestDriver(pageViews);
    const clicks = driver.input<string | null, RawClick>('clicks');
    const click = (path: string, ts: number, userAgent = 'Mozilla') => clicks.pipe(null, { userId: 'u', url: `https://x${path}`, ts, userAgent });
    click('/a', 0);
    click('/a', 10_000);
    click('/b', 59_999);
    click('/a', 30_000, 'Googlebot');
    click('/a', MIN); // next window
    expect(driver.readOutput('page-views-per-minute')).toEqual([]);
    click('/a', MIN + 20_000); // out of order would be fine; this one moves time to 1:20
    click('/b', 45_000); // within grace of [0, 1m): counted
    click('/c', 2 * MIN + 29_999); // watermark 2:29.999 >= 1m + 30s: window [0,1m) closes, [1m,2m) not yet
    const out = driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-per-minute');
    expect(out.map((r) => [r.key.key, r.key.startMs, r.key.endMs, r.value])).toEqual([
      ['/a', 0, MIN, { value: 2, final: true }],
      ['/b', 0, MIN, { value: 2, final: true }],
    ]);
    click('/d', 2 * MIN + 30_000); // exactly end + grace of [1m,2m): it closes now
    expect(driver.readOutput<Windowed<string>, WindowResult<number>>('page-views-per-minute').map((r) => [r.key.key, r.key.startMs, r.value.value])).toEqual([['/a', MIN, 2]]);
    click('/a', 10_000); // its window closed: late
    expect(driver.lateRecords()).toBe(1);
    const late = driver.readOutput('page-views-late');
    expect(late).toHaveLength(1);
    expect(late[0]?.headers['sluice.late.window.end']).toBe(String(MIN));
  });
});
