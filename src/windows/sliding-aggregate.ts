import { NO_WATERMARK, type Processor, type ProcessorContext } from '../processor/processor.ts';
import type { StoreSerde } from '../state/store-serde.ts';
import type { WindowStore, WindowedEntry } from '../state/window-store.ts';
import type { SlidingWindows } from './definitions.ts';
import { WindowEmitter } from './window-close.ts';
import type { EmitMode } from './windowed.ts';

/**
 * What the sliding aggregate stores per window: the aggregate, the window's highest record timestamp, and
 * whether the window is closed (its final result was emitted, or it was created closed and is never emitted).
 */
export interface SlidingAggregate<A> {
  readonly value: A;
  readonly maxTimestampMs: number;
  readonly closed: boolean;
}

/** Wraps the aggregate's serde for the sliding store (layout: JSON [maxTimestampMs, closed, base64 value]). */
export function slidingAggregateSerde<A>(valueSerde: StoreSerde<A>): StoreSerde<SlidingAggregate<A>> {
  return {
    encode: ({ value, maxTimestampMs, closed }) => Buffer.from(JSON.stringify([maxTimestampMs, closed, valueSerde.encode(value).toString('base64')])),
    decode: (bytes) => {
      const [maxTimestampMs, closed, value] = JSON.parse(bytes.toString('utf8')) as [number, boolean, string];
      return { maxTimestampMs, closed, value: valueSerde.decode(Buffer.from(value, 'base64')) };
    },
  };
}

export interface SlidingAggregateOptions<K, V, A> {
  readonly name: string;
  readonly windows: SlidingWindows;
  /** A WindowStore<K, SlidingAggregate<A>> registered for this processor's sub-topology. */
  readonly storeName: string;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  readonly emit: EmitMode;
  /** Copies an aggregate that seeds a new window (windows never share a mutable object). Default structuredClone. */
  readonly copy?: (aggregate: A) => A;
}

type Entry<K, A> = WindowedEntry<K, SlidingAggregate<A>>;

/**
 * Kafka Streams' sliding-window aggregation (KStreamSlidingWindowAggregate, forward-iterator variant), step by
 * step: per key, the windows are the left window [t − size, t] of every record t ([0, size] for t < size) and
 * the right window [t + 1, t + 1 + size] of every record followed by another within size + 1; each holds the
 * records inside it. New windows are seeded by copying the aggregate of a neighbouring window with the same
 * records, so no raw records are kept. Windows are stored end-exclusive: Kafka's [a, a + size] is
 * (a, a + size + 1).
 *
 * Closing: a window closes when watermark >= endMs + grace (Kafka: streamTime > a + size + grace); its final
 * result is forwarded once and it is flagged `closed` (persisted, so a restarted task never re-emits it). Like
 * Kafka's store retention, closed windows stay as seeds until no record that is not late can reach them
 * (endMs <= watermark − 2 × size − grace), then are deleted. Unlike Kafka, a closed window keeps taking the
 * accepted records that fall in it (silently, nothing forwarded), so the windows seeded from it are exact.
 * A record is late when even its latest window is closed (watermark >= t + size + 1 + grace); negative
 * timestamps are reported late.
 */
export class SlidingAggregateProcessor<K, V, A> implements Processor {
  private readonly sizeMs: number;
  private readonly graceMs: number;
  private readonly emitter: WindowEmitter<K, A>;
  private readonly copy: (aggregate: A) => A;
  private store: WindowStore<K, SlidingAggregate<A>> | undefined;
  private watermarkMs = NO_WATERMARK;
  /** Windows ending at or before this were checked for emission by this instance. */
  private emittedThroughEndMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SlidingAggregateOptions<K, V, A>) {
    this.sizeMs = options.windows.sizeMs;
    this.graceMs = options.windows.graceMs;
    this.emitter = new WindowEmitter(options.name, options.emit);
    this.copy = options.copy ?? ((aggregate) => (typeof aggregate === 'object' && aggregate !== null ? structuredClone(aggregate) : aggregate));
  }

  init(context: ProcessorContext): void {
    this.emitter.init(context);
    this.store = context.getStore<WindowStore<K, SlidingAggregate<A>>>(this.options.storeName);
  }

  process(rawKey: unknown, rawValue: unknown, t: number): void {
    const key = rawKey as K;
    const value = rawValue as V;
    this.watermarkMs = this.emitter.watermarkMs();
    this.closeThrough(this.watermarkMs); // so that every closed window is flagged before it is touched
    if (t < 0 || this.watermarkMs >= t + this.sizeMs + 1 + this.graceMs) {
      this.emitter.late(key, value, t, t - this.sizeMs, t + 1, this.watermarkMs);
      return;
    }
    const size = this.sizeMs;
    const early = t < size;
    const windows = (this.store as WindowStore<K, SlidingAggregate<A>>).fetch(key, early ? 0 : Math.max(0, t - 2 * size), t + 1);
    // Windows that contain t are updated after the scan, once the right window's seed has been copied.
    const containing: Entry<K, A>[] = [];
    let leftAggregate: SlidingAggregate<A> | undefined;
    let rightAggregate: SlidingAggregate<A> | undefined;
    let combined: Entry<K, A> | undefined; // early records: the [0, size] window
    let leftExists = false;
    let rightExists = false;
    let previousTimestampMs: number | undefined;
    for (const window of windows) {
      const startMs = window.startMs;
      const endMs = startMs + size; // inclusive, Kafka's end
      const maxMs = window.value.maxTimestampMs;
      if (startMs === t + 1) {
        rightExists = true;
      } else if (early && startMs === 0) {
        combined = window;
        if (maxMs < t) previousTimestampMs = maxMs;
      } else if (early ? startMs <= t : endMs > t && startMs <= t) {
        rightAggregate = window.value;
        containing.push(window);
      } else if (!early && endMs === t) {
        leftExists = true;
        if (maxMs < t) previousTimestampMs = maxMs;
        containing.push(window);
      } else if (!early && endMs < t) {
        leftAggregate = window.value;
        previousTimestampMs = maxMs;
      } else {
        throw new Error(`sliding aggregate ${this.options.name}: unexpected window start ${startMs} for record at ${t}`);
      }
    }
    if (early && rightAggregate === undefined && combined !== undefined && combined.value.maxTimestampMs > t) rightAggregate = combined.value;
    const rightSeed = !rightExists && rightAggregate !== undefined && rightAggregate.maxTimestampMs > t
      ? { value: this.copy(rightAggregate.value), maxTimestampMs: rightAggregate.maxTimestampMs, closed: false }
      : undefined;
    for (const window of containing) this.update(key, value, t, window.startMs, window.value);
    if (early) {
      // Kafka's processEarly: t joins the [0, size] window; right windows as usual.
      if (rightSeed !== undefined) this.createRight(key, t, rightSeed);
      if (previousTimestampMs !== undefined && !hasStart(windows, previousTimestampMs + 1)) {
        this.update(key, value, t, previousTimestampMs + 1, undefined);
      }
      this.update(key, value, t, 0, combined?.value);
      return;
    }
    if (previousTimestampMs !== undefined) {
      const previousRightStartMs = previousTimestampMs + 1;
      if (!hasStart(windows, previousRightStartMs) && previousRightStartMs + size >= t) this.update(key, value, t, previousRightStartMs, undefined);
    }
    if (!leftExists) {
      const seed = previousTimestampMs !== undefined && t - size <= previousTimestampMs && leftAggregate !== undefined
        ? { value: this.copy(leftAggregate.value), maxTimestampMs: t, closed: false }
        : undefined;
      this.update(key, value, t, t - size, seed);
    }
    if (rightSeed !== undefined) this.createRight(key, t, rightSeed);
  }

  onWatermark(watermarkMs: number): void {
    if (this.emitter.advanceTo(watermarkMs)) this.closeThrough(watermarkMs);
  }

  /** Emits every window closed at `watermarkMs` not yet emitted, then deletes the ones no record can reach. */
  private closeThrough(watermarkMs: number): void {
    if (watermarkMs === NO_WATERMARK) return;
    const store = this.store as WindowStore<K, SlidingAggregate<A>>;
    const maxEndMs = watermarkMs - this.graceMs;
    if (maxEndMs > this.emittedThroughEndMs) {
      for (const window of store.byEndTime(this.emittedThroughEndMs + 1, maxEndMs)) {
        if (window.value.closed) continue;
        this.emitter.close({ key: window.key, startMs: window.startMs, endMs: window.endMs, value: window.value.value });
        store.put(window.key, window.startMs, window.endMs, { ...window.value, closed: true });
      }
      this.emittedThroughEndMs = maxEndMs;
    }
    store.expire(maxEndMs - 2 * this.sizeMs);
  }

  /**
   * Adds the record to window [startMs, startMs + size] (created from `existing` or the initializer). An open
   * window forwards the change in 'update' mode; a closed one only keeps its aggregate exact as a seed.
   */
  private update(key: K, value: V, t: number, startMs: number, existing: SlidingAggregate<A> | undefined): void {
    const endMs = startMs + this.sizeMs + 1;
    const closed = this.watermarkMs >= endMs + this.graceMs;
    const aggregate = this.options.aggregator(key, value, existing === undefined ? this.options.initializer() : existing.value);
    const maxTimestampMs = existing === undefined || t > existing.maxTimestampMs ? t : existing.maxTimestampMs;
    (this.store as WindowStore<K, SlidingAggregate<A>>).put(key, startMs, endMs, { value: aggregate, maxTimestampMs, closed });
    if (!closed) this.emitter.update(key, startMs, endMs, aggregate);
  }

  /** The record's right window [t + 1, t + 1 + size]: the (copied) records of the seed window that follow t. */
  private createRight(key: K, t: number, seed: SlidingAggregate<A>): void {
    const startMs = t + 1;
    const endMs = startMs + this.sizeMs + 1;
    (this.store as WindowStore<K, SlidingAggregate<A>>).put(key, startMs, endMs, seed);
    this.emitter.update(key, startMs, endMs, seed.value);
  }
}

function hasStart(windows: readonly { readonly startMs: number }[], startMs: number): boolean {
  for (const window of windows) if (window.startMs === startMs) return true;
  return false;
}
