import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopMonitor } from '../../../src/server/event-loop-monitor.ts';

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spin: this is the blocked event loop under test.
  }
}

describe('EventLoopMonitor', () => {
  const monitor = new EventLoopMonitor({ intervalMs: 20 });
  afterEach(() => monitor.stop());

  it('reports a small lag on an idle loop', async () => {
    monitor.start();
    await sleep(100);
    expect(monitor.lagMs()).toBeLessThan(200);
  });

  it('sees a block while it is still overdue, and after the tick that measured it', async () => {
    monitor.start();
    await sleep(30);
    blockFor(400);
    // No timer has run yet: the overdue tick counts.
    expect(monitor.lagMs()).toBeGreaterThanOrEqual(350);
    await sleep(0);
    expect(monitor.maxLagMs()).toBeGreaterThanOrEqual(350);
    await sleep(100);
    expect(monitor.lagMs()).toBeLessThan(200);
    expect(monitor.maxLagMs()).toBeGreaterThanOrEqual(350);
  });
});
