// Screenshots of the dashboard in its main states, for looking at by eye after a change:
//   npx tsx test/browser/screenshot-dashboard.ts [out-dir]   (default test-output/)
// dashboard.png (steady state after a minute and a half of history) is the one docs/dashboard.png is taken from.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDashboard } from './open-dashboard.ts';
import { startFakeDashboard } from './serve-fake-dashboard.ts';

const outDir = process.argv[2] ?? 'test-output';
const historySeconds = Number(process.env['SCREENSHOT_HISTORY_SECONDS'] ?? 90);
const { server, fake, url } = await startFakeDashboard({ fake: { joinAfterMs: 0, restoreMs: 6_000 } });
const dashboard = await openDashboard(url, path.join(outDir, 'dashboard-restoring.png'));
try {
  const { page } = dashboard;
  fake.finishRestore();
  await page.waitForSelector('[data-testid="app-ready"]:text-is("ready")');
  // Start the page's history afresh in the steady state (the charts keep what the page saw since it loaded).
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('body[data-state="live"]');
  console.log(`collecting ${historySeconds} s of history…`);
  await sleep(historySeconds * 1000);
  await page.screenshot({ path: path.join(outDir, 'dashboard.png'), fullPage: true });
  await page.setViewportSize({ width: 1024, height: 800 });
  await sleep(1_500);
  await page.screenshot({ path: path.join(outDir, 'dashboard-1024.png'), fullPage: true });
  await server.close();
  await page.waitForSelector('body[data-state="error"]', { timeout: 10_000 });
  await page.screenshot({ path: path.join(outDir, 'dashboard-disconnected.png') });
  if (dashboard.problems.some((p) => !p.includes('Failed to load resource'))) console.error('problems:', dashboard.problems);
  console.log(`screenshots in ${outDir}/`);
} finally {
  await dashboard.close();
  await server.close();
}
