/**
 * Clean click events and re-key them by user.
 *
 *   clicks (key: session id, value: raw click JSON)
 *     → drop bots and clicks without a user
 *     → normalise the URL path
 *     → re-key by user id, through a repartition topic so each user's clicks meet in one task, in order
 *     → clicks-by-user (key: user id)
 *
 * Run it: `npm run dev` (starts a local broker when KAFKA_BROKERS is unset), then feed it with
 * `npx tsx topologies/generate-clicks.ts`.
 */
import { defineTopology, serdes } from '../src/index.ts';

export interface RawClick {
  readonly userId?: string | null;
  readonly url: string;
  readonly userAgent?: string;
  readonly ts: number;
}

export interface Click {
  readonly userId: string;
  readonly path: string;
  readonly ts: number;
}

const BOT = /bot|crawler|spider/i;

export function isHuman(click: RawClick): boolean {
  return !BOT.test(click.userAgent ?? '');
}

export function pathOf(url: string): string {
  const path = new URL(url, 'http://x').pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path.toLowerCase();
}

export default defineTopology({ applicationId: 'clicks-by-user', onError: 'dead-letter' }, (t) => {
  t.stream('clicks', {
    key: serdes.nullableString(),
    value: serdes.json<RawClick>(),
    timestamp: (click) => click.ts,
  })
    .filter((_, click) => typeof click.userId === 'string' && click.userId !== '' && isHuman(click))
    .mapValues((click): Click => ({ userId: click.userId as string, path: pathOf(click.url), ts: click.ts }), { name: 'clean' })
    .selectKey((_, click) => click.userId)
    .repartition({ name: 'by-user', key: serdes.string(), value: serdes.json<Click>() })
    .to('clicks-by-user', { key: serdes.string(), value: serdes.json<Click>() });
});
