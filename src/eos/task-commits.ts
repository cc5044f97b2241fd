import { RecordTooLargeError, TaskMigratedError } from '../errors/index.ts';
import { takeCommitPayload, type CommitPayload, type PendingSource } from './commit-payload.ts';
import { handleOversized, type OversizedHandling } from './oversized-records.ts';
import type { TransactionScope } from '../kafka/types.ts';
import type { TaskCommitter } from './task-committer.ts';

/** The outcome of one commit attempt of one task. */
export type CommitResult =
  /** Nothing was pending. */
  | { readonly kind: 'idle' }
  | { readonly kind: 'committed'; readonly payload: CommitPayload; readonly durationMs: number }
  /**
   * The commit failed or its outcome is unknown (it may have taken effect: a lost reply). The task must be
   * dropped and built again from what Kafka holds; `fenced` when a newer producer owns the transactional id.
   */
  | { readonly kind: 'failed'; readonly error: unknown; readonly fenced: boolean }
  /** The pending work cannot be committed under the topology's error policy (a record too large under 'fail'). */
  | { readonly kind: 'fatal'; readonly error: unknown };

/** What a task must offer its commits. */
export interface CommittableTask extends PendingSource {
  readonly id: string;
  hasPendingWork(): boolean;
  markCommitted(offsets: CommitPayload['offsets'], records: number, nowMs: number, durationMs: number): void;
  markIdle(nowMs: number): void;
}

export interface TaskCommitsOptions {
  /** undefined for a store whose changelog is its table's source topic (nothing is written for it). */
  readonly changelogTopicOf: (store: string) => string | undefined;
  readonly oversized: OversizedHandling;
}

/**
 * The commit protocol of one task (DESIGN.md, exactly-once), step by step:
 *   1. wait for the task's commit in flight, if any: a task's transactions run one after another, in order;
 *   2. take the pending work at once (output, coalesced store changes, checkpoint; src/eos/commit-payload.ts),
 *      so the task keeps processing while this commit runs; records too large to produce are handled by the
 *      error policy here, with their coordinates, rather than failing every transaction;
 *   3. begin, send the records, send the offsets to the transaction, commit (TaskCommitter);
 *   4. report the outcome. Success moves the task's committed positions and the expected changelog ends;
 *      failure is final for this task object: its caller drops it and builds it again from committed state.
 * Different tasks commit concurrently: each has its own producer and transactional id.
 */
export class TaskCommits {
  private inFlight: Promise<CommitResult> | undefined;
  private failed = false;
  /**
   * End offset each changelog partition of the task should have if only this task wrote it since it was
   * restored: set from the restore, advanced by every commit. A kept task compares it with the broker's.
   */
  readonly changelogEnds = new Map<string, bigint>();

  constructor(
    private readonly task: CommittableTask,
    readonly committer: TaskCommitter,
    private readonly o: TaskCommitsOptions,
  ) {}

  /**
   * Initialises the task's producer: fences any zombie holding the task and resolves its open transaction; with
   * `scope`, first aborts what earlier producers of the task left open there (a commit whose markers were lost).
   */
  open(scope?: TransactionScope): Promise<void> {
    return this.committer.open(scope);
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Resolves once no commit of this task is in flight. */
  async settle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /** Commits everything pending (after the commit in flight). A failed task never commits again. */
  async commit(nowMs: number): Promise<CommitResult> {
    while (this.inFlight !== undefined) {
      const previous = await this.inFlight;
      if (previous.kind === 'failed' || previous.kind === 'fatal') return previous;
    }
    if (this.failed) return { kind: 'failed', error: new Error(`task ${this.task.id} already failed to commit`), fenced: false };
    if (!this.task.hasPendingWork()) {
      this.task.markIdle(nowMs);
      return { kind: 'idle' };
    }
    let payload: CommitPayload;
    try {
      payload = takeCommitPayload(this.task, this.o.changelogTopicOf, nowMs);
      // Output and changelog records apart, so that `outputRecords` still says where the output ends.
      const all = payload.records;
      const n = payload.outputRecords;
      const outputPart = n === all.length ? all : all.slice(0, n);
      const restPart = n === all.length ? [] : all.slice(n);
      const output = handleOversized(outputPart, this.o.oversized);
      const rest = restPart.length === 0 ? restPart : handleOversized(restPart, this.o.oversized);
      if (output !== outputPart || rest !== restPart) payload = { ...payload, records: rest.length === 0 ? output : [...output, ...rest], outputRecords: output.length };
    } catch (error) {
      this.failed = true;
      return { kind: 'fatal', error };
    }
    const running = this.run(payload);
    this.inFlight = running;
    void running.then(() => {
      if (this.inFlight === running) this.inFlight = undefined;
    });
    return running;
  }

  private async run(payload: CommitPayload): Promise<CommitResult> {
    const started = performance.now();
    try {
      await this.committer.commit(payload.records, payload.offsets, payload.outputRecords);
    } catch (error) {
      this.failed = true;
      // A record the broker will never take fails every rebuild the same way: stop with what to change.
      if (error instanceof RecordTooLargeError) return { kind: 'fatal', error };
      return { kind: 'failed', error, fenced: error instanceof TaskMigratedError };
    }
    const durationMs = performance.now() - started;
    const markers = this.committer.writesMarkers ? 1n : 0n;
    for (const [topic, n] of payload.changelogWrites) {
      const end = this.changelogEnds.get(topic);
      if (end !== undefined) this.changelogEnds.set(topic, end + BigInt(n) + markers);
    }
    this.task.markCommitted(payload.offsets, payload.outputRecords, Date.now(), durationMs);
    return { kind: 'committed', payload, durationMs };
  }

  /** Releases the producer (aborting an open transaction). */
  close(): Promise<void> {
    return this.committer.close();
  }
}
