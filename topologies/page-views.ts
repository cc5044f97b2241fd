/**
 * Page views per minute, on event time.
 *
 *   clicks (raw click JSON, event time from `ts`)
 *     → drop bots, normalise the path
 *     → group by path (through a repartition topic)
 *     → 1-minute tumbling windows, 30 s grace for late clicks
 *     → count, emitted once per window when it closes
 *     → page-views-per-minute (key: {"key": path, "startMs", "endMs"}, value: {"value": count, "final": true})
 *
 * Clicks arriving after their window closed go to `page-views-late` with headers saying why.
 */
import { defineTopology, serdes, tumbling, type WindowResult } from '../src/index.ts';
import { isHuman, pathOf, type RawClick } from './clicks.ts';

export default defineTopology({ applicationId: 'page-views', onError: 'dead-letter', idleTimeout: '30s' }, (t) => {
  t.stream('clicks', { key: serdes.nullableString(), value: serdes.json<RawClick>(), timestamp: (click) => click.ts })
    .filter((_, click) => isHuman(click))
    .groupBy((_, click) => pathOf(click.url), { name: 'by-path', key: serdes.string(), value: serdes.json<RawClick>() })
    .windowedBy(tumbling('1m').grace('30s'))
    .count({ name: 'views-per-minute', emit: 'final', lateTopic: 'page-views-late' })
    .to('page-views-per-minute', { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>() });
});
