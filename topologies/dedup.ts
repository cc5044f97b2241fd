/**
 * Drop repeated events: an event whose id was already kept less than an hour (event time) earlier is a
 * duplicate. Written on the processor API.
 *
 *   events (key: anything, value: { id, ... , ts })
 *     → re-key by event id, through a repartition topic so every copy of an id meets in one task
 *     → dedup processor: store `dedup-seen-ids` (id → event time it was kept); a one-shot event-time timer
 *       per id forgets the id once the watermark is an hour past it, so the store holds about an hour of ids
 *     → unique-events (key: event id)
 *
 * Out-of-order copies within `maxOutOfOrderness` are caught too: the id stays in the store until the
 * watermark (max event time − 10 s) is an hour past its first copy.
 */
import {
  defineTopology, serdes, stores, type FiredTimer, type ProcessorKeyValueStore, type StreamProcessor, type StreamProcessorContext, type StreamRecord,
} from '../src/index.ts';

export interface Event {
  readonly id: string;
  readonly ts: number;
  readonly [field: string]: unknown;
}

export const DEDUP_WINDOW_MS = 60 * 60 * 1000;

/** id → event time of the copy that was kept. */
export const seenIds = stores.keyValue<string, number>('dedup-seen-ids', { key: serdes.string(), value: serdes.json<number>() });

type Context = StreamProcessorContext<string, string, Event, typeof seenIds>;

export class DedupProcessor implements StreamProcessor<string, Event, string, Event, typeof seenIds> {
  private context!: Context;
  private seen!: ProcessorKeyValueStore<string, number>;

  init(context: Context): void {
    this.context = context;
    this.seen = context.store(seenIds);
  }

  process(record: StreamRecord<string, Event>): void {
    const keptAt = this.seen.get(record.key);
    if (keptAt !== undefined && record.timestampMs < keptAt + DEDUP_WINDOW_MS) return;
    this.seen.put(record.key, record.timestampMs);
    this.context.timers.at(record.timestampMs + DEDUP_WINDOW_MS, record.key);
    this.context.forward({ key: record.key, value: record.value });
  }

  onTimer(timer: FiredTimer<string>): void {
    // A later copy kept after the hour re-set the id (and has a timer of its own): keep it until then.
    const keptAt = this.seen.get(timer.key);
    if (keptAt !== undefined && keptAt + DEDUP_WINDOW_MS <= timer.timestampMs) this.seen.delete(timer.key);
  }
}

export default defineTopology({ applicationId: 'dedup-events', maxOutOfOrderness: '10s' }, (t) => {
  t.stream('events', { key: serdes.nullableString(), value: serdes.json<Event>(), timestamp: (event) => event.ts })
    .selectKey((_, event) => event.id)
    .repartition({ name: 'by-id', key: serdes.string(), value: serdes.json<Event>() })
    .process(() => new DedupProcessor(), { name: 'dedup', stores: [seenIds] })
    .to('unique-events', { key: serdes.string(), value: serdes.json<Event>() });
});
