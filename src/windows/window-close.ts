import { NO_WATERMARK, type ProcessorContext } from '../processor/processor.ts';
import type { WindowedEntry } from '../state/windowed-entries.ts';
import type { EmitMode, WindowResult, Windowed } from './windowed.ts';

/**
 * @internal What every windowed aggregate shares: the watermark it judges lateness by, reporting late
 * records, and emitting results.
 *
 * Lateness uses max(context.watermarkMs(), the highest watermark passed to onWatermark), so a window the
 * processor already emitted and deleted can never be re-created by a later record, whatever the runtime's
 * update order.
 *
 * Forward timestamp of every result = endMs − 1, the last instant inside the window (Kafka Streams' window
 * end for sliding and session windows; for tumbling/hopping it keeps results inside the window they describe).
 */
export class WindowEmitter<K, A> {
  private context: ProcessorContext | undefined;
  private closedThroughMs = NO_WATERMARK;

  constructor(
    readonly operator: string,
    readonly emit: EmitMode,
  ) {}

  init(context: ProcessorContext): ProcessorContext {
    this.context = context;
    return context;
  }

  /** The watermark to judge lateness by (never lower than what onWatermark already closed). */
  watermarkMs(): number {
    const watermarkMs = this.ctx().watermarkMs();
    return watermarkMs > this.closedThroughMs ? watermarkMs : this.closedThroughMs;
  }

  /** Records that onWatermark(watermarkMs) runs; returns false when it is not an advance. */
  advanceTo(watermarkMs: number): boolean {
    if (watermarkMs <= this.closedThroughMs || watermarkMs === NO_WATERMARK) return false;
    this.closedThroughMs = watermarkMs;
    return true;
  }

  late(key: K, value: unknown, timestampMs: number, windowStartMs: number, windowEndMs: number, watermarkMs: number): void {
    this.ctx().reportLate({ operator: this.operator, key, value, timestampMs, windowStartMs, windowEndMs, watermarkMs });
  }

  /** In 'update' mode, forwards an intermediate result. */
  update(key: K, startMs: number, endMs: number, value: A): void {
    if (this.emit !== 'update') return;
    const windowed: Windowed<K> = { key, startMs, endMs };
    const result: WindowResult<A> = { value, final: false };
    this.ctx().forward(windowed, result, endMs - 1);
  }

  /** In 'update' mode, forwards a tombstone for a window that no longer exists (a session merged away). */
  retract(key: K, startMs: number, endMs: number): void {
    if (this.emit !== 'update') return;
    const windowed: Windowed<K> = { key, startMs, endMs };
    this.ctx().forward(windowed, null, endMs - 1);
  }

  /** Forwards the final result of a closing window (both modes). Bound once, reused as expire's callback. */
  readonly close = (entry: WindowedEntry<K, A>): void => {
    const windowed: Windowed<K> = { key: entry.key, startMs: entry.startMs, endMs: entry.endMs };
    const result: WindowResult<A> = { value: entry.value, final: true };
    this.ctx().forward(windowed, result, entry.endMs - 1);
  };

  private ctx(): ProcessorContext {
    if (this.context === undefined) throw new Error(`processor ${this.operator} used before init()`);
    return this.context;
  }
}
