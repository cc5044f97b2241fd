import type { Processor, ProcessorContext } from '../processor/processor.ts';
import type { WindowStore } from '../state/window-store.ts';
import { firstWindowStartMs, type TimeWindows } from './definitions.ts';
import { WindowEmitter } from './window-close.ts';
import type { EmitMode } from './windowed.ts';

export interface WindowAggregateOptions<K, V, A> {
  /** Operator name: late-record reports and errors. */
  readonly name: string;
  readonly windows: TimeWindows;
  /** A WindowStore<K, A> registered for this processor's sub-topology. */
  readonly storeName: string;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  readonly emit: EmitMode;
}

/**
 * Aggregation over tumbling or hopping windows (Kafka Streams' KStreamWindowAggregate).
 * - A window [start, end) is closed when watermark >= end + grace.
 * - process(): the record goes into each of its windows that is still open; if all of them are closed (or it
 *   has none: negative timestamp) it is reported late and nothing else happens. A record whose windows are
 *   only partly closed counts in the open ones, without a report.
 * - 'update': each changed window is forwarded at once as { value, final: false }.
 * - onWatermark(wm): every window with end + grace <= wm is forwarded as { value, final: true }, by end time
 *   then first-insertion order, and deleted (a tombstone goes to the changelog).
 */
export class WindowAggregateProcessor<K, V, A> implements Processor {
  private readonly sizeMs: number;
  private readonly advanceMs: number;
  private readonly graceMs: number;
  private readonly emitter: WindowEmitter<K, A>;
  private store: WindowStore<K, A> | undefined;

  constructor(private readonly options: WindowAggregateOptions<K, V, A>) {
    this.sizeMs = options.windows.sizeMs;
    this.advanceMs = options.windows.advanceMs;
    this.graceMs = options.windows.graceMs;
    this.emitter = new WindowEmitter(options.name, options.emit);
  }

  init(context: ProcessorContext): void {
    this.emitter.init(context);
    this.store = context.getStore<WindowStore<K, A>>(this.options.storeName);
  }

  process(rawKey: unknown, rawValue: unknown, timestampMs: number): void {
    const key = rawKey as K;
    const value = rawValue as V;
    const store = this.store as WindowStore<K, A>;
    const watermarkMs = this.emitter.watermarkMs();
    let accepted = false;
    for (let startMs = firstWindowStartMs(timestampMs, this.sizeMs, this.advanceMs); startMs <= timestampMs; startMs += this.advanceMs) {
      const endMs = startMs + this.sizeMs;
      if (watermarkMs >= endMs + this.graceMs) continue;
      accepted = true;
      const previous = store.get(key, startMs, endMs);
      const aggregate = this.options.aggregator(key, value, previous === undefined ? this.options.initializer() : previous);
      store.put(key, startMs, endMs, aggregate);
      this.emitter.update(key, startMs, endMs, aggregate);
    }
    if (!accepted) {
      // Report the record's last window: the one that closed most recently.
      const lastStartMs = Math.floor(timestampMs / this.advanceMs) * this.advanceMs;
      this.emitter.late(key, value, timestampMs, lastStartMs, lastStartMs + this.sizeMs, watermarkMs);
    }
  }

  onWatermark(watermarkMs: number): void {
    if (!this.emitter.advanceTo(watermarkMs)) return;
    (this.store as WindowStore<K, A>).expire(watermarkMs - this.graceMs, this.emitter.close);
  }
}
