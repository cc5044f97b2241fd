/**
 * Page views per path in 10-second windows, on event time.
 *
 *   clicks (key: session id, value: click JSON, event time from `ts`)
 *     → drop bots
 *     → group by path (through a repartition topic)
 *     → 10-second tumbling windows, 2 s grace for clicks that arrive out of order
 *     → count, emitted once per window when it closes
 *     → page-views-10s (key: {"key": path, "startMs", "endMs"}, value: {"value": count, "final": true})
 *
 * `sluice dev --demo` feeds the `demo` export below to `clicks` at 20 clicks/s with event time = now, so the
 * first windows close about 12 s after the first click.
 */
import { defineTopology, serdes, tumbling, type DemoFeed, type WindowResult } from 'sluice';

export interface Click {
  readonly url: string;
  readonly userAgent?: string;
  /** Event time, epoch milliseconds. */
  readonly ts: number;
}

const BOT = /bot|crawler|spider/i;

export function isHuman(click: Click): boolean {
  return !BOT.test(click.userAgent ?? '');
}

/** "/Products/?q=1" → "/products". */
export function pathOf(url: string): string {
  const path = new URL(url, 'http://x').pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path.toLowerCase();
}

export default defineTopology({ applicationId: 'page-views-10s', onError: 'dead-letter', idleTimeout: '5s' }, (t) => {
  t.stream('clicks', { key: serdes.nullableString(), value: serdes.json<Click>(), timestamp: (click) => click.ts })
    .filter((_, click) => isHuman(click))
    .groupBy((_, click) => pathOf(click.url), { name: 'by-path', key: serdes.string(), value: serdes.json<Click>() })
    .windowedBy(tumbling('10s').grace('2s'))
    .count({ name: 'views', emit: 'final' })
    .to('page-views-10s', { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>() });
});

/** Of every 9 clicks: 3 on the front page, 2 on /products, 1 on each other path. */
const PATHS = ['/', '/', '/', '/Products', '/products/', '/products/42', '/cart', '/checkout', '/search?q=socks'];

/** Sample clicks for `sluice dev --demo`: 1 in 20 from a bot (filtered out). */
export const demo: DemoFeed<string | null, Click> = {
  topic: 'clicks',
  ratePerSec: 20,
  record: (i, nowMs) => ({
    key: `session-${i % 13}`,
    value: {
      url: `https://shop.example${PATHS[(i * 5) % PATHS.length] ?? '/'}`,
      userAgent: i % 20 === 0 ? 'Googlebot/2.1' : 'Mozilla/5.0',
      ts: nowMs,
    },
  }),
};
