import { SluiceError } from '../errors/index.ts';
import type { InputBatch, OutputRecord, TopicPartitionOffset } from '../kafka/types.ts';
import type { StateStore } from '../state/state-store.ts';
import { NO_WATERMARK } from '../processor/processor.ts';
import type { RecordErrorHandler } from './record-error-handler.ts';
import type { TaskRestoreStatus, TaskStall, TaskStatus } from './status.ts';
import { TaskLifecycle } from './task-state.ts';
import type { TaskPipeline } from './task-pipeline.ts';
import { RateMeter } from './rate-meter.ts';
import { RestoreProgress } from './restore-progress.ts';

/** The watermark rules a task needs (implemented in time/watermark-tracker.ts). */
export interface TaskWatermark {
  observe(input: string, eventTimeMs: number): void;
  advanceIdle(nowMs: number): unknown;
  current(): number;
  restoreTo(watermarkMs: number): void;
  /** Highest event time seen per input (checkpointed, so a rebuilt task's inputs start where they were). */
  inputMaxima(): Readonly<Record<string, number>>;
  restoreInputs(maxima: Readonly<Record<string, number>>): void;
}

/** What one commit of a task carries, taken from the task at once so processing can go on meanwhile. */
export interface PendingWork {
  /** Output of the task's operators (sinks, repartition, late, dead-letter); changelog records are added later. */
  readonly records: OutputRecord[];
  /** Next offset per input partition: the positions this commit makes durable. */
  readonly offsets: readonly TopicPartitionOffset[];
}

/**
 * One (sub-topology, partition): processes its input partitions in offset order, buffers output until the
 * next commit, and tracks how far it got. Synchronous; I/O (commits, restore) is driven by the TaskManager.
 *
 * A task is never rolled back in place: when a commit fails or its outcome is unknown, the task is dropped and
 * a new one is built from committed state (src/runtime/task-manager.ts), so nothing here undoes anything.
 */
export class Task {
  readonly lifecycle: TaskLifecycle;
  /** Next offset to process per input topic (effects of earlier records are committed or pending). */
  private readonly positions = new Map<string, string>();
  /** Next offset per input topic as of the last successful commit. */
  private readonly committed = new Map<string, string>();
  private dirty = false;
  private lastWatermarkMs = NO_WATERMARK;
  /** Whether the operators were told the time the task resumes from (once, before the first batch or tick). */
  private resumed = false;
  /** Wall-clock time the task's positions last moved (or it started running): for stall detection. */
  progressAtMs: number;
  /** When the last commit started (its work was taken), or the last time there was nothing to commit. */
  lastCommitAtMs: number;
  lastCommitDurationMs: number | null = null;
  readonly recordsIn = new RateMeter();
  readonly recordsOut = new RateMeter();
  lateRecords = 0;
  droppedRecords = 0;
  restoreProgress = 1;
  /** What the restore reads and how far it got (reported by the StateRestorer), shown while restoring. */
  readonly restore = new RestoreProgress();
  consumerLag: number | null = null;
  /** Set by the stall check; cleared when the task makes progress. */
  stall: TaskStall | null = null;

  constructor(
    readonly id: string,
    readonly subtopology: number,
    readonly partition: number,
    readonly inputTopics: readonly string[],
    readonly pipeline: TaskPipeline,
    readonly watermark: TaskWatermark,
    readonly stores: ReadonlyMap<string, StateStore>,
    private readonly errors: RecordErrorHandler,
    nowMs: number,
    /** Output of the transaction in progress (the pipeline's sinks append here). */
    readonly output: OutputRecord[],
  ) {
    this.lifecycle = new TaskLifecycle(id);
    this.lastCommitAtMs = nowMs;
    this.progressAtMs = nowMs;
  }

  get state() {
    return this.lifecycle.state;
  }

  /** The next offset this task will process in `topic`, or undefined before its first record there. */
  position(topic: string): string | undefined {
    return this.positions.get(topic);
  }

  /** The next offset in `topic` as of the last commit. */
  committedPosition(topic: string): string | undefined {
    return this.committed.get(topic);
  }

  /** Whether this task has committed at least once (else its committed positions are only start positions). */
  hasCommitted = false;

  /**
   * Sets where processing resumes: the group's committed offset (or the checkpoint's, when ahead), or the
   * partition's earliest offset when nothing was committed. Only while the task is being built.
   */
  setCommittedPosition(topic: string, offset: string): void {
    this.positions.set(topic, offset);
    this.committed.set(topic, offset);
  }

  /**
   * Runs a batch. Records below the task's position were already processed (a re-delivery after a
   * rebalance or seek) and are skipped. Throws RecordFailedError under onError 'fail'.
   */
  processBatch(batch: InputBatch, nowMs: number): number {
    if (!this.resumed) this.resumeTime(nowMs);
    const topic = batch.topic;
    const records = batch.records;
    // Offsets rise within a batch: skip the re-delivered head once, then no per-record comparison.
    const from = this.positions.get(topic);
    let start = 0;
    if (from !== undefined) {
      const fromBig = BigInt(from);
      while (start < records.length && BigInt((records[start] as (typeof records)[number]).offset) < fromBig) start++;
    }
    let processed = 0;
    let last: string | undefined;
    for (let i = start; i < records.length; i++) {
      const record = records[i] as (typeof records)[number];
      const mark = this.output.length;
      try {
        const eventTimeMs = this.pipeline.process(topic, record);
        this.watermark.observe(topic, eventTimeMs);
      } catch (error) {
        this.output.length = mark;
        if (!(error instanceof SluiceError)) throw error;
        this.droppedRecords++;
        this.errors.handle(error, topic, batch.partition, record, this.output);
      }
      last = record.offset;
      processed++;
    }
    if (last !== undefined) {
      this.positions.set(topic, (BigInt(last) + 1n).toString());
      this.dirty = true;
      this.progressAtMs = nowMs;
    }
    if (batch.highWatermark !== null && last !== undefined) {
      this.consumerLag = Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n));
    }
    this.recordsIn.add(processed, nowMs);
    this.watermark.advanceIdle(nowMs);
    this.fireWatermark();
    return processed;
  }

  /**
   * Lets idle inputs advance time with the wall clock (closes windows, fires event-time timers when the
   * watermark moves) and fires wall-clock timers.
   */
  tick(nowMs: number): void {
    if (!this.resumed) this.resumeTime(nowMs);
    this.watermark.advanceIdle(nowMs);
    this.fireWatermark();
    const before = this.output.length;
    this.pipeline.advanceWallClock(nowMs);
    if (this.output.length !== before) this.dirty = true;
  }

  /**
   * Once, after restore and before any record moves the watermark (called by the first batch or tick if not
   * before): operators derive their time state (timers) from the watermark the task resumes from, and
   * wall-clock timers count from `nowMs`.
   */
  resumeTime(nowMs: number): void {
    if (this.resumed) return;
    this.resumed = true;
    this.pipeline.resume(this.watermark.current(), nowMs);
  }

  private fireWatermark(): void {
    const wm = this.watermark.current();
    if (wm > this.lastWatermarkMs) {
      this.lastWatermarkMs = wm;
      const before = this.output.length;
      this.pipeline.advanceWatermark(wm);
      if (this.output.length !== before) this.dirty = true;
    }
  }

  /** Whether there is output, state or progress not yet committed. */
  hasPendingWork(): boolean {
    if (this.dirty || this.output.length > 0) return true;
    for (const store of this.stores.values()) if (store.hasChanges()) return true;
    return false;
  }

  /**
   * Takes everything pending for a commit: the output so far (the task's buffer starts empty again) and the
   * positions it covers. Store changes are drained by the caller (src/eos/commit-payload.ts).
   */
  takePending(nowMs: number = Date.now()): PendingWork {
    this.lastCommitAtMs = nowMs;
    const records = this.output.splice(0, this.output.length);
    const offsets: TopicPartitionOffset[] = [];
    for (const [topic, offset] of this.positions) offsets.push({ topic, partition: this.partition, offset });
    this.dirty = false;
    return { records, offsets };
  }

  /** After a successful commit of `offsets` that wrote `records` records. */
  markCommitted(offsets: readonly TopicPartitionOffset[], records: number, nowMs: number, durationMs: number): void {
    this.recordsOut.add(records, nowMs);
    for (const { topic, offset } of offsets) this.committed.set(topic, offset);
    this.hasCommitted = true;
    this.lastCommitDurationMs = durationMs;
  }

  /** A commit with nothing to carry: the task is as committed as it can be. */
  markIdle(nowMs: number): void {
    this.lastCommitAtMs = nowMs;
  }

  status(nowMs: number): TaskStatus {
    const wm = this.watermark.current();
    return {
      id: this.id,
      subtopology: this.subtopology,
      partition: this.partition,
      state: this.lifecycle.state,
      restoreProgress: this.restoreProgress,
      watermarkMs: wm === NO_WATERMARK ? null : wm,
      consumerLag: this.consumerLag,
      recordsInPerSec: this.recordsIn.perSecond(nowMs),
      recordsOutPerSec: this.recordsOut.perSecond(nowMs),
      lateRecords: this.lateRecords,
      droppedRecords: this.droppedRecords,
      lastCommitDurationMs: this.lastCommitDurationMs,
      stores: [...this.stores.values()].map((s) => ({ name: s.name, entries: s.size() })),
      stall: this.stall,
      ...(this.lifecycle.state === 'restoring' ? restoreStatus(this.restore, nowMs) : {}),
    };
  }
}

function restoreStatus(progress: RestoreProgress, nowMs: number): { restore?: TaskRestoreStatus } {
  const restore = progress.status(nowMs);
  return restore === undefined ? {} : { restore };
}
