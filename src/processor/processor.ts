import type { RecordHeaders } from '../kafka/types.ts';
import type { StateStore } from '../state/state-store.ts';

/** Coordinates of the input record being processed. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestampMs: number;
  readonly headers: RecordHeaders;
}

/** A record that arrived for a window that had already closed. */
export interface LateRecord {
  readonly operator: string;
  readonly key: unknown;
  readonly value: unknown;
  readonly timestampMs: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly watermarkMs: number;
}

/** Watermark value before any record was seen. */
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

/**
 * What a processor sees of its task. One context per (task, processor). Calls are synchronous: the hot path
 * has no promise per record; the runtime does I/O at batch and commit boundaries.
 */
export interface ProcessorContext {
  readonly taskId: string;
  readonly partition: number;
  /** The input record that triggered the current call; undefined inside onWatermark and onWallClock. */
  readonly record: RecordMetadata | undefined;
  /** The task's current event-time watermark (NO_WATERMARK before the first record). */
  watermarkMs(): number;
  /** Passes a record to this processor's children. */
  forward(key: unknown, value: unknown, timestampMs: number): void;
  /** A store registered for this processor's sub-topology, by name. */
  getStore<S extends StateStore>(name: string): S;
  /** Counts, logs (once per operator, rate-limited) and, when a late topic is configured, writes the record there. */
  reportLate(record: LateRecord): void;
}

/** One operator instance inside one task. */
export interface Processor {
  init(context: ProcessorContext): void;
  process(key: unknown, value: unknown, timestampMs: number): void;
  /** Called after a batch when the task watermark advanced; windows close and event-time timers fire here. */
  onWatermark?(watermarkMs: number): void;
  /**
   * Called once, after the task's stores were restored and before it processes anything, with the watermark
   * it resumes from (the checkpoint's, or NO_WATERMARK) and the wall clock: operators derive time state here.
   */
  onResume?(watermarkMs: number, nowMs: number): void;
  /** Called on the task's tick with the wall clock; wall-clock timers fire here. */
  onWallClock?(nowMs: number): void;
  close?(): void;
  /**
   * A processor of a node with several parents (a join) may take each parent's records in a processor of its
   * own: the pipeline delivers the records of `node.parents[parentIndex]` to `input(parentIndex)`. Without it,
   * every parent's records go to `process`.
   */
  input?(parentIndex: number): Processor;
}
