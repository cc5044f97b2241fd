import type { RecordHeaders } from '../kafka/types.ts';
import type { StoreDefinition, StoreOf } from '../state/store-definitions.ts';

/**
 * The input record of `StreamProcessor.process`. One object per processor instance, refilled for every record:
 * read it during the call, copy what you keep.
 */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time (the source's timestamp extractor, or the Kafka timestamp). */
  readonly timestampMs: number;
  readonly headers: RecordHeaders;
  /** Where the record was read: a source topic, or a repartition topic upstream of this processor. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A record a processor forwards downstream. */
export interface ForwardRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /**
   * Event time of the output. Default: the input record's inside `process`, the timer's time inside a timer
   * callback (the interval boundary or `timers.at` time for event time, the wall clock for wall-clock timers).
   */
  readonly timestampMs?: number;
}

export type TimeDomain = 'event-time' | 'wall-clock';

/** A periodic timer; `cancel` stops it (from anywhere, including its own callback). */
export interface Cancellable {
  cancel(): void;
}

/**
 * One-shot event-time timers per key (kept in the processor's `<name>-timers` store, so a rebuilt task fires
 * each exactly once). A timer fires, through `onTimer`, when the watermark reaches its time.
 */
export interface KeyedTimers<K> {
  /** Registers a timer; registering the same (time, key) twice keeps one. */
  at(eventTimeMs: number, key: K): void;
  /** Removes a registered timer; no-op when there is none. */
  cancel(eventTimeMs: number, key: K): void;
}

/** A one-shot timer firing. */
export interface FiredTimer<K> {
  readonly key: K;
  readonly timestampMs: number;
}

/**
 * What a processor sees of its task: forward, its declared stores, time and timers. Synchronous: call it from
 * `init`, `process`, `onTimer` or a timer callback; there is no promise per record.
 */
export interface StreamProcessorContext<K, K2, V2, S extends StoreDefinition = StoreDefinition> {
  readonly taskId: string;
  readonly partition: number;
  /** Passes a record to the processor's children. */
  forward(record: ForwardRecord<K2, V2>): void;
  /** A store declared in `process(..., { stores })`, typed by its definition. */
  store<D extends S>(definition: D): StoreOf<D>;
  /** The task's event-time watermark (NO_WATERMARK before the first record). */
  watermarkMs(): number;
  /**
   * A periodic timer. 'event-time': fires when the watermark reaches a multiple of `intervalMs` (aligned to
   * the epoch), with that multiple as its time; an advance across several multiples fires once, with the last.
   * 'wall-clock': fires from the task's tick once `intervalMs` have passed since the last firing (or since
   * scheduling), with the wall-clock time. Schedule in `init` so a rebuilt task has the same timers.
   */
  schedule(domain: TimeDomain, intervalMs: number, callback: (timestampMs: number) => void): Cancellable;
  /** One-shot per-key event-time timers; they fire through `StreamProcessor.onTimer`. */
  readonly timers: KeyedTimers<K>;
}

/**
 * A user's own operator: `stream.process(() => new MyProcessor(), { stores: [...] })`. One instance per task;
 * every call is synchronous and runs inside the task's processing, so what it forwards and writes to its
 * stores is committed in the same transaction as the input offsets.
 */
export interface StreamProcessor<K, V, K2, V2, S extends StoreDefinition = StoreDefinition> {
  /** Once per task, after its stores were restored and before its first record: get stores, schedule timers. */
  init?(context: StreamProcessorContext<K, K2, V2, S>): void;
  process(record: StreamRecord<K, V>): void;
  /** A `timers.at` timer fired (the watermark reached its time). */
  onTimer?(timer: FiredTimer<K>): void;
  close?(): void;
}
