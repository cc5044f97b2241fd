import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServer } from '../../src/server/http-server.ts';
import { expectedEdges, readOutputRows, renderedEdges } from './dashboard-checks.ts';
import { openDashboard, type OpenDashboard } from './open-dashboard.ts';
import type { FakeApplication } from './fake-application.ts';
import { startFakeDashboard } from './serve-fake-dashboard.ts';

// Needs /usr/bin/chromium (Debian package `chromium`). Not part of the unit or integration projects: run with
// `npx vitest run --config test/browser/vitest.config.ts`.
describe('dashboard', () => {
  let server: HttpServer;
  let fake: FakeApplication;
  let dashboard: OpenDashboard;

  beforeAll(async () => {
    const started = await startFakeDashboard({ fake: { joinAfterMs: 0, restoreMs: 4_000, holdRestore: true, holdGlobalLoad: true } });
    server = started.server;
    fake = started.fake;
    dashboard = await openDashboard(started.url, 'test-output/dashboard-restoring.png');
  }, 90_000);

  afterAll(async () => {
    await dashboard?.close();
    await server?.close();
  });

  it('lists the global table while it loads, with partitions, keys and offsets read, and no task yet', async () => {
    const { page } = dashboard;
    await expect.poll(() => page.getByTestId('global-state-page-sections').textContent()).toContain('loading');
    expect(await page.getByTestId('global-tables-section').isVisible()).toBe(true);
    expect(await page.getByTestId('global-topic-page-sections').textContent()).toBe('page-sections');
    expect(await page.getByTestId('global-partitions-page-sections').textContent()).toBe('1 / 2');
    expect(await page.getByTestId('global-keys-page-sections').textContent()).toBe('720');
    expect(await page.getByTestId('global-progress-page-sections').isVisible()).toBe(true);
    expect(await page.getByTestId('global-state-page-sections').textContent()).toContain('60%');
    const read = page.getByTestId('global-read-page-sections');
    expect(await read.getAttribute('data-read')).toBe('48000');
    expect(await read.getAttribute('data-total')).toBe('80000');
    expect(await read.textContent()).toBe('48K / 80K offsets · 25K/s · 1.3 s left');
    expect(await page.getByTestId('global-lag-page-sections').textContent()).toBe('—');
    expect(await page.getByTestId('global-joined-page-sections').textContent()).toBe('with-section (sub-topology 0)');
    expect(await page.getByTestId('global-caption').textContent()).toContain('1 of 1 loading');
    expect(await page.getByTestId('app-ready').textContent()).toBe('not in group');
    expect(await page.locator('#tasks tr').count()).toBe(0);
    await page.screenshot({ path: 'test-output/dashboard-global-loading.png', fullPage: true });
    fake.finishGlobalLoad();
    await expect.poll(() => page.locator('[data-testid="global-state-page-sections"] .badge').textContent(), { timeout: 5_000 }).toBe('following');
    expect(await page.getByTestId('global-progress-page-sections').isVisible()).toBe(false);
    expect(await page.getByTestId('global-partitions-page-sections').textContent()).toBe('2');
    expect(await page.getByTestId('global-lag-page-sections').textContent()).toBe('0');
    expect(await page.getByTestId('global-read-page-sections').textContent()).toBe('80,000 offsets in 3.2 s');
  });

  it('shows the application header', async () => {
    const { page } = dashboard;
    expect(await page.getByTestId('app-id').textContent()).toBe('clickstream');
    expect(await page.getByTestId('instance-id').textContent()).toContain('clickstream-');
    await expect.poll(() => page.getByTestId('app-state').textContent()).toBe('running');
  });

  it('shows restoring tasks with their progress and what they read, then ready', async () => {
    const { page } = dashboard;
    await expect.poll(() => page.getByTestId('state-1_2').textContent()).toContain('restoring');
    expect(await page.getByTestId('restore-1_2').isVisible()).toBe(true);
    expect(await page.getByTestId('restore-detail-1_2').textContent()).toMatch(/^changelog clicks-per-page-store · [\d.]+K? \/ 14K offsets · 4K\/s( · .+ left)?$/);
    expect(await page.getByTestId('restore-detail-0_0').isVisible()).toBe(false);
    expect(await page.getByTestId('app-ready').textContent()).not.toBe('ready');
    fake.finishRestore();
    await expect.poll(() => page.getByTestId('app-ready').textContent(), { timeout: 5_000 }).toBe('ready');
    expect(await page.getByTestId('restore-1_2').isVisible()).toBe(false);
    expect(await page.getByTestId('restore-detail-1_2').isVisible()).toBe(false);
  });

  it('draws every operator and topic of the topology, and exactly the edges /topology lists', async () => {
    const { page } = dashboard;
    const topology = fake.topology();
    for (const name of ['clicks-source', 'parse-click', 'with-section', 'only-humans', 'by-page-sink', 'by-page', 'clicks-per-page', 'clicks-per-page-sink']) {
      expect(await page.getByTestId(`operator-${name}`).count(), name).toBe(1);
    }
    expect(await page.getByTestId('topic-clicks').count()).toBe(1);
    // Written by the window operator: its changelog and its late topic; the repartition topic links the sub-topologies.
    expect(await page.getByTestId('topic-clickstream-clicks-per-page-store-changelog').count()).toBe(1);
    expect(await page.getByTestId('topic-clicks-late').count()).toBe(1);
    expect(await page.getByTestId('topic-clickstream-by-page-repartition').count()).toBe(2);
    expect(await page.getByTestId('topic-row-clickstream-clicks-per-page-store-changelog').count()).toBe(1);
    expect((await renderedEdges(page)).sort()).toEqual(expectedEdges(topology).sort());
    expect(await renderedEdges(page)).toContain('op:clicks-per-page->topic:clicks-late');
  });

  it('shows a watermark that advances, as ISO time with its lag', async () => {
    const { page } = dashboard;
    const first = await page.getByTestId('watermark-0_0').textContent();
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await expect.poll(() => page.getByTestId('watermark-0_0').textContent(), { timeout: 5_000 }).not.toBe(first);
    const second = await page.getByTestId('watermark-0_0').textContent();
    expect(Date.parse(second ?? '')).toBeGreaterThan(Date.parse(first ?? ''));
    // The fake's watermark of task 0_0 trails its clock by 5 to 6 seconds (plus the moment until the reply's server time).
    const lagMs = Number(await page.getByTestId('watermark-lag-0_0').getAttribute('data-ms'));
    expect(lagMs).toBeGreaterThanOrEqual(5_000);
    expect(lagMs).toBeLessThan(7_000);
    expect(await page.getByTestId('watermark-lag-0_0').textContent()).toBe(`${(lagMs / 1000).toFixed(1)} s`);
  });

  it('charts records per second, watermark lag and consumer lag from the polls it made', async () => {
    const { page } = dashboard;
    for (const id of ['throughput', 'watermark-lag', 'consumer-lag']) {
      await expect.poll(async () => Number(await page.getByTestId(`chart-${id}`).getAttribute('data-points')), { timeout: 10_000, message: id }).toBeGreaterThanOrEqual(3);
    }
    // Both throughput lines are drawn through their points, and the read-out shows the latest sample.
    for (const series of ['in', 'out']) {
      const path = page.locator(`[data-testid="chart-throughput"] path[data-series="${series}"]`);
      expect(Number(await path.getAttribute('data-points')), series).toBeGreaterThanOrEqual(3);
      expect(((await path.getAttribute('d')) ?? '').match(/L/g)?.length ?? 0, series).toBeGreaterThanOrEqual(2);
    }
    expect(Number((await page.getByTestId('chart-throughput-in').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await page.getByTestId('chart-watermark-lag-watermarkLag').textContent()).toMatch(/^\d+(\.\d)? s$/);
    // Hovering reads out the sample under the pointer, with its time; leaving goes back to the latest.
    const chart = page.locator('[data-testid="chart-consumer-lag"] svg');
    const box = await chart.boundingBox();
    await page.mouse.move((box?.x ?? 0) + (box?.width ?? 0) - 20, (box?.y ?? 0) + 40);
    expect(await page.locator('[data-testid="chart-consumer-lag"] .chart-when').textContent()).toMatch(/^at \d\d:\d\d:\d\d$/);
    expect(await page.locator('[data-testid="chart-consumer-lag"] line.cursor').count()).toBe(1);
    await page.mouse.move(0, 0);
    expect(await page.locator('[data-testid="chart-consumer-lag"] .chart-when').textContent()).toBe('');
    await page.screenshot({ path: 'test-output/dashboard.png', fullPage: true });
  });

  it('shows the latest committed records of each output topic, decoded with the sink serdes', async () => {
    const { page } = dashboard;
    // The fake's own commits reach the repartition topic every 400 ms.
    await expect.poll(async () => (await readOutputRows(page, 'clickstream-by-page-repartition')).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const dayStartMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const hostile = '<img src=x onerror="document.title=1">';
    fake.commit([fake.windowResult(hostile, dayStartMs + 60_000, 1234)]);
    await expect.poll(async () => (await readOutputRows(page, 'clicks-per-page')).map((r) => r.key), { timeout: 5_000 }).toContain(`${hostile} [00:01:00 → 00:02:00)`);
    const row = (await readOutputRows(page, 'clicks-per-page')).find((r) => r.key.startsWith(hostile));
    expect(row?.value).toBe('{"value":1234,"final":true}');
    expect(row?.time).toBe('00:01:59.999');
    // Shown as text, never parsed as HTML.
    expect(await page.locator('[data-testid="output"] img').count()).toBe(0);
    const shown = page.getByTestId('output-row-clicks-per-page').filter({ hasText: hostile });
    expect(await shown.locator('.win-key').textContent()).toBe(hostile);
    expect(await shown.locator('.win').textContent()).toBe('[00:01:00 → 00:02:00)');
  });

  it('made no requests elsewhere and logged no errors', () => {
    expect(dashboard.problems).toEqual([]);
  });
});
