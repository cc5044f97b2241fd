import type { Processor, ProcessorContext } from '../processor/processor.ts';
import type { SessionStore } from '../state/session-store.ts';
import type { SessionWindows } from './definitions.ts';
import { WindowEmitter } from './window-close.ts';
import type { EmitMode } from './windowed.ts';

export interface SessionAggregateOptions<K, V, A> {
  readonly name: string;
  readonly windows: SessionWindows;
  /** A SessionStore<K, A> registered for this processor's sub-topology. */
  readonly storeName: string;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  readonly merger: (a: A, b: A) => A;
  readonly emit: EmitMode;
}

/**
 * Aggregation over session windows (Kafka Streams' KStreamSessionWindowAggregate, current version).
 * A session of records first..last is the window [first, last + 1). Records at most `gap` apart (inclusive)
 * belong to one session.
 * - Close rule: a session [start, end) is closed when watermark >= end + gap + grace, i.e. Kafka Streams'
 *   `streamTime > last + gap + grace`. This is the DESIGN rule with the gap added: until then an on-time
 *   record (timestamp >= watermark − grace) could still extend the session.
 * - process(): sessions of the key within [t − gap, t + gap] are merged with the record (initializer, then
 *   merger over the sessions by start, then aggregator). If the merged session is closed the record is
 *   reported late. Otherwise the merged-away sessions are deleted (tombstones; in 'update' mode each is also
 *   forwarded with value null, as Kafka Streams does) and the merged session is stored (and in 'update' mode
 *   forwarded).
 * - onWatermark(wm): sessions with end + gap + grace <= wm are forwarded { value, final: true } by end time and
 *   deleted.
 * Known edge (shared with Kafka Streams): an out-of-order record older than watermark − grace may be accepted
 * into a still-open session or a new one although it also lies within `gap` of a session already emitted;
 * it is not merged into the emitted one, which stays final.
 */
export class SessionAggregateProcessor<K, V, A> implements Processor {
  private readonly gapMs: number;
  private readonly graceMs: number;
  private readonly emitter: WindowEmitter<K, A>;
  private store: SessionStore<K, A> | undefined;

  constructor(private readonly options: SessionAggregateOptions<K, V, A>) {
    this.gapMs = options.windows.gapMs;
    this.graceMs = options.windows.graceMs;
    this.emitter = new WindowEmitter(options.name, options.emit);
  }

  init(context: ProcessorContext): void {
    this.emitter.init(context);
    this.store = context.getStore<SessionStore<K, A>>(this.options.storeName);
  }

  process(rawKey: unknown, rawValue: unknown, timestampMs: number): void {
    const key = rawKey as K;
    const value = rawValue as V;
    const store = this.store as SessionStore<K, A>;
    const watermarkMs = this.emitter.watermarkMs();
    if (timestampMs < 0) {
      this.emitter.late(key, value, timestampMs, timestampMs, timestampMs + 1, watermarkMs);
      return;
    }
    const sessions = store.findSessions(key, timestampMs - this.gapMs, timestampMs + this.gapMs);
    let startMs = timestampMs;
    let endMs = timestampMs + 1;
    let aggregate = this.options.initializer();
    for (const found of sessions) {
      aggregate = this.options.merger(aggregate, found.value);
      if (found.startMs < startMs) startMs = found.startMs;
      if (found.endMs > endMs) endMs = found.endMs;
    }
    if (watermarkMs >= endMs + this.gapMs + this.graceMs) {
      this.emitter.late(key, value, timestampMs, startMs, endMs, watermarkMs);
      return;
    }
    for (const found of sessions) {
      if (found.startMs === startMs && found.endMs === endMs) continue; // overwritten by the put below
      store.remove(found);
      this.emitter.retract(key, found.startMs, found.endMs);
    }
    aggregate = this.options.aggregator(key, value, aggregate);
    store.put(key, startMs, endMs, aggregate);
    this.emitter.update(key, startMs, endMs, aggregate);
  }

  onWatermark(watermarkMs: number): void {
    if (!this.emitter.advanceTo(watermarkMs)) return;
    (this.store as SessionStore<K, A>).expire(watermarkMs - this.gapMs - this.graceMs, this.emitter.close);
  }
}
