import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServer } from '../../src/server/http-server.ts';
import { openDashboard, type OpenDashboard } from './open-dashboard.ts';
import type { FakeApplication } from './fake-application.ts';
import { startFakeDashboard } from './serve-fake-dashboard.ts';

// Needs /usr/bin/chromium (Debian package `chromium`). Not part of the unit or integration projects: run with a
// `browser` vitest project whose include is test/browser/**/*.test.ts.
describe('dashboard', () => {
  let server: HttpServer;
  let fake: FakeApplication;
  let dashboard: OpenDashboard;

  beforeAll(async () => {
    const started = await startFakeDashboard({ fake: { joinAfterMs: 0, restoreMs: 4_000 } });
    server = started.server;
    fake = started.fake;
    dashboard = await openDashboard(started.url, 'test-output/dashboard-restoring.png');
  }, 30_000);

  afterAll(async () => {
    await dashboard?.close();
    await server?.close();
  });

  it('shows the application header', async () => {
    const { page } = dashboard;
    expect(await page.getByTestId('app-id').textContent()).toBe('clickstream');
    expect(await page.getByTestId('instance-id').textContent()).toContain('clickstream-');
    expect(await page.getByTestId('app-state').textContent()).toBe('running');
  });

  it('shows restoring tasks with their progress, then ready', async () => {
    const { page } = dashboard;
    await expect.poll(() => page.getByTestId('state-1_2').textContent()).toContain('restoring');
    expect(await page.getByTestId('restore-1_2').isVisible()).toBe(true);
    expect(await page.getByTestId('app-ready').textContent()).not.toBe('ready');
    fake.finishRestore();
    await expect.poll(() => page.getByTestId('app-ready').textContent(), { timeout: 5_000 }).toBe('ready');
    expect(await page.getByTestId('restore-1_2').isVisible()).toBe(false);
  });

  it('draws every operator and topic of the topology', async () => {
    const { page } = dashboard;
    for (const name of ['clicks-source', 'parse-click', 'only-humans', 'by-page', 'clicks-per-page', 'to-string', 'late-records']) {
      expect(await page.getByTestId(`operator-${name}`).count(), name).toBe(1);
    }
    expect(await page.getByTestId('topic-clicks').count()).toBe(1);
    expect(await page.getByTestId('topic-row-clickstream-clicks-per-page-changelog').count()).toBe(1);
  });

  it('shows a watermark that advances, as ISO time with its lag', async () => {
    const { page } = dashboard;
    const first = await page.getByTestId('watermark-0_0').textContent();
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await expect.poll(() => page.getByTestId('watermark-0_0').textContent(), { timeout: 5_000 }).not.toBe(first);
    const second = await page.getByTestId('watermark-0_0').textContent();
    expect(Date.parse(second ?? '')).toBeGreaterThan(Date.parse(first ?? ''));
    expect(await page.getByTestId('watermark-lag-0_0').textContent()).toMatch(/^\d+(\.\d)? s$/);
    await page.screenshot({ path: 'test-output/dashboard.png', fullPage: true });
  });

  it('made no requests elsewhere and logged no errors', () => {
    expect(dashboard.problems).toEqual([]);
  });
});
