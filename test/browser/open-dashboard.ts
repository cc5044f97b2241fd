import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['SLUICE_CHROMIUM'] ?? '/usr/bin/chromium';

const LAUNCH_TIMEOUT_MS = 60_000;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenDashboard {
  readonly page: Page;
  /** Console errors, uncaught page errors and requests to any other origin seen so far (the dashboard must make none). */
  readonly problems: string[];
  close(): Promise<void>;
}

/**
 * Opens the dashboard at `url` in headless Chromium, waits until it has rendered live data (the body's
 * data-state is "live" and the task table and topology graph are drawn), saves a full-page screenshot to
 * `screenshotPath` and returns the page for further checks.
 *
 * Every launch gets a fresh profile: Playwright's `chromium.launch` creates a new temporary user-data-dir and
 * deletes it on close (passing `--user-data-dir` yourself is rejected by Playwright). Requests to any origin
 * other than the dashboard's are aborted and reported in `problems`: the dashboard must work offline.
 */
export async function openDashboard(url: string, screenshotPath: string, options: { timeoutMs?: number } = {}): Promise<OpenDashboard> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  // The first launch on a fresh machine (cold disk cache, just installed) has taken over 15 s in CI.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(timeoutMs);
    const problems: string[] = [];
    const origin = new URL(url).origin;
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.route('**/*', async (route) => {
      const requestUrl = route.request().url();
      if (requestUrl.startsWith('data:') || new URL(requestUrl).origin === origin) {
        await route.continue();
        return;
      }
      problems.push(`request to another origin: ${requestUrl}`);
      await route.abort('blockedbyclient');
    });

    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-state="live"]');
    await page.waitForSelector('#graph svg, #graph .empty', { state: 'attached' });
    await mkdir(path.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });

    return {
      page,
      problems,
      close: async () => {
        await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
