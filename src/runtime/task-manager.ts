import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SluiceConfig } from '../config/config.ts';
import type { Topology } from '../dsl/define-topology.ts';
import { AtLeastOnceCommitter } from '../eos/at-least-once-committer.ts';
import { RecoveryBackoff } from '../eos/recovery-backoff.ts';
import type { TaskCommitter } from '../eos/task-committer.ts';
import { TaskCommits, type CommitResult } from '../eos/task-commits.ts';
import { TransactionalCommitter } from '../eos/transactional-committer.ts';
import { InstanceTransaction } from '../eos/instance-transaction.ts';
import { SharedTaskCommitter } from '../eos/shared-task-committer.ts';
import { ConfigError, SluiceError, TaskCorruptedError, TopologyError } from '../errors/index.ts';
import type { Admin, Assignment, GroupConsumer, InputBatch, KafkaClient, OutputRecord, Producer, TopicPartition } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import { RateLimitedLog } from '../logging/rate-limited.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { taskIdFor, transactionalIdFor } from '../planner/names.ts';
import type { Plan, Subtopology } from '../planner/plan.ts';
import type { Serde } from '../serde/serde.ts';
import { currentKeptTasks } from './kept-task-check.ts';
import { RecordFailedError } from './record-error-handler.ts';
import { PURGE_INTERVAL_MS, purgeRepartitionTopics } from './repartition-purger.ts';
import { StallDetector } from './stall-detector.ts';
import { RestoreCancelled, StateRestorer } from './state-restorer.ts';
import type { CommittedOutputListener, TaskStatus } from './status.ts';
import type { Task } from './task.ts';
import { buildTask } from './task-factory.ts';
import { transactionScope } from './transaction-scope.ts';
import type { GlobalTableStore } from './global/global-table-store.ts';

interface ManagedTask {
  readonly task: Task;
  readonly commits: TaskCommits;
  readonly subtopology: Subtopology;
}

export interface TaskManagerOptions {
  readonly plan: Plan;
  readonly topology: Topology;
  readonly config: SluiceConfig;
  readonly client: KafkaClient;
  readonly consumer: GroupConsumer;
  readonly sharedProducer: Producer | undefined;
  /** The instance's global tables by name, for tasks that join one. */
  readonly globalTables?: ReadonlyMap<string, GlobalTableStore>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Listeners of committed output (see CommittedOutputListener); may be empty. */
  readonly outputListeners?: ReadonlySet<CommittedOutputListener>;
  /** A fatal error outside the processing loop (a task build or commit that must stop the application). */
  readonly onFatal: (error: Error) => void;
}

/** The shared transaction's timeout: a SIGKILLed instance's open transaction blocks read_committed readers this long. */
const SHARED_TRANSACTION_TIMEOUT_MS = 10_000;

/**
 * The transactional id of an instance's shared transaction: new on every start (the instance id, then a random
 * part, so two applications in one process never share it). A restarted instance therefore cannot abort what
 * its previous run left open; the coordinator aborts that after SHARED_TRANSACTION_TIMEOUT_MS.
 */
function sharedTransactionalId(applicationId: string, instanceId: string): string {
  return `${applicationId}-instance-${instanceId}-${randomUUID().slice(0, 8)}`;
}

/** Records run through a task between two chances to commit. */
const SLICE_RECORDS = 2_000;

/**
 * Owns this instance's tasks: routes batches to them, starts their commits, and keeps their lifecycle.
 *
 * One recovery path: a task is only ever built by `startBuild`, on a new assignment and equally after any
 * failed or unknown-outcome commit, a fence, a failed build or a stale kept task. A build creates a fresh task
 * (src/runtime/task-factory.ts) and a fresh producer (which fences the previous one and resolves its open
 * transaction), then reads the group's committed offsets, restores the stores and the time state from the
 * changelog, and only then runs. Nothing is rolled back in place. Builds run in the background with the
 * task's partitions paused, so the consumer keeps polling and heartbeating while state is restored; repeated
 * failures of one task back off (src/eos/recovery-backoff.ts).
 *
 * Commits (src/eos/task-commits.ts) run concurrently across tasks; a task keeps processing while its commit
 * is in flight, with at most one more commit interval of work buffered behind it.
 */
export class TaskManager {
  private latest: Assignment | undefined;
  private applied: Assignment | undefined;
  private readonly tasks = new Map<string, ManagedTask>();
  /** Task ids of the applied assignment, with what building them needs. */
  private assigned = new Map<string, { subtopology: Subtopology; partition: number }>();
  private admin: Admin | undefined;
  private readonly restorer: StateRestorer;
  private readonly lateLog: RateLimitedLog;
  private readonly recordLog: RateLimitedLog;
  private readonly recoveryLog: RateLimitedLog;
  private readonly backoff = new RecoveryBackoff();
  private readonly stalls: StallDetector;
  private readonly debug: boolean;
  private reconciling = false;
  private stopped = false;
  private lastPurgeMs = Date.now();
  private readonly repartitionTopics: ReadonlySet<string>;
  /** Producers of dropped tasks still closing, by task id: a rebuild waits for them (never two at once). */
  private readonly closing = new Map<string, Promise<void>>();
  /** `eosProducer: 'per-instance'`: the one transaction all tasks commit through (src/eos/instance-transaction.ts). */
  private readonly shared: InstanceTransaction | undefined;
  /** Task ids of the latest assignment (set synchronously on the join): what the shared transaction may carry. */
  private latestTasks = new Set<string>();
  private removeRejoinHook: (() => void) | undefined;

  constructor(private readonly o: TaskManagerOptions) {
    this.restorer = new StateRestorer(o.client, o.plan, o.metrics, o.logger, o.config.stateDir === null ? null : join(o.config.stateDir, o.plan.applicationId));
    this.lateLog = new RateLimitedLog(o.logger, { intervalMs: 10_000 });
    this.recordLog = new RateLimitedLog(o.logger, { intervalMs: 10_000 });
    this.recoveryLog = new RateLimitedLog(o.logger, { intervalMs: 30_000 });
    this.stalls = new StallDetector(o.config.stallTimeoutMs, o.metrics, o.logger);
    this.debug = o.logger.isLevelEnabled('debug');
    this.repartitionTopics = new Set(o.plan.repartitionTopics.values());
    if (o.config.processingGuarantee === 'exactly_once' && o.config.eosProducer === 'per-instance') {
      const shared = new InstanceTransaction({
        producer: o.client.transactionalProducer({ transactionalId: sharedTransactionalId(o.plan.applicationId, o.config.instanceId), transactionTimeoutMs: SHARED_TRANSACTION_TIMEOUT_MS }),
        groupId: o.plan.applicationId,
        onCommitted: () => o.metrics.transactionsCommitted.inc(),
        membership: () => {
          const member = this.latest?.member;
          return member === undefined ? undefined : { member, owns: (taskId) => this.latestTasks.has(taskId) };
        },
        onFenced: (error) =>
          o.logger.warn(
            { transactionalId: shared.transactionalId, err: error },
            'the instance transaction was fenced (open past its timeout, or another process uses this instance id: give each instance its own --instance-id); initialising it again',
          ),
      });
      this.shared = shared;
      this.removeRejoinHook = o.consumer.beforeRejoin?.(() => shared.hold());
      o.logger.info({ transactionalId: shared.transactionalId, transactionTimeoutMs: SHARED_TRANSACTION_TIMEOUT_MS }, 'exactly-once: one transaction per commit interval for all tasks of this instance');
    }
  }

  /** Records the assignment of a group join; applied by the next reconcile. Synchronous. */
  assign(assignment: Assignment): void {
    this.latest = assignment;
    const tasks = new Set<string>();
    for (const tp of assignment.partitions) {
      const sub = this.o.plan.readerOf.get(tp.topic);
      if (sub !== undefined) tasks.add(taskIdFor(sub, tp.partition));
    }
    this.latestTasks = tasks;
    this.shared?.resume();
  }

  hasAssignment(): boolean {
    return this.applied !== undefined;
  }

  private async adminClient(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.o.client.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Applies a new assignment if one arrived. Returns true when it did. */
  async reconcile(): Promise<boolean> {
    const assignment = this.latest;
    if (assignment === undefined || assignment === this.applied || this.stopped) return false;
    this.applied = assignment;
    this.reconciling = true;
    try {
      await this.applyAssignment(assignment);
      return true;
    } finally {
      this.reconciling = false;
    }
  }

  private async applyAssignment(assignment: Assignment): Promise<void> {
    const wanted = new Map<string, { subtopology: Subtopology; partition: number }>();
    for (const tp of assignment.partitions) {
      const sub = this.o.plan.readerOf.get(tp.topic);
      if (sub === undefined) continue;
      wanted.set(taskIdFor(sub, tp.partition), { subtopology: this.o.plan.subtopologies[sub] as Subtopology, partition: tp.partition });
    }
    this.assigned = wanted;
    // Commits in flight end first (their outcomes are handled as usual), so every decision below sees settled tasks.
    await Promise.all([...this.tasks.values()].map((m) => m.commits.settle()));
    // Tasks no longer ours commit and close; kept ones commit what is pending. All at once: each task has its
    // own producer, and an instance may hold a hundred tasks.
    const gone = [...this.tasks.values()].filter((m) => !wanted.has(m.task.id));
    for (const managed of gone) this.backoff.forget(managed.task.id);
    // Under one transaction per instance, what revoked tasks had pending was committed before the rejoin (the
    // consumer's rejoin hook); anything after it belongs to a generation that no longer gives them these partitions,
    // so it is dropped: the next owner processes it again from the committed offsets.
    if (this.shared !== undefined) {
      for (const managed of gone) void this.drop(managed);
      if (gone.length > 0) this.o.logger.info({ tasks: gone.map((m) => m.task.id) }, 'revoked tasks dropped (their committed work stays; the rest is processed again by the next owner)');
      gone.length = 0;
    }
    const keptRunning = [...this.tasks.values()].filter((m) => wanted.has(m.task.id) && m.task.state === 'running'); // others are being built: the build goes on
    await Promise.all([
      ...gone.map((m) => this.closeClean(m)),
      ...keptRunning.map(async (m) => {
        if (m.task.hasPendingWork()) await this.commitNow(m, Date.now());
      }),
    ]);
    // Then make sure nobody else committed for the kept ones in between.
    const kept = keptRunning.filter((m) => this.tasks.get(m.task.id) === m); // a failed commit is being rebuilt
    if (kept.length > 0) {
      const current = await this.adminClient()
        .then((admin) => currentKeptTasks(admin, this.o.plan.applicationId, kept.map((m) => ({ task: m.task, changelogEnds: m.commits.changelogEnds })), { requireStable: this.shared !== undefined }))
        .catch((error: unknown) => {
          // Cannot tell (a broker restarting): a rebuild is always safe.
          this.o.logger.warn({ tasks: kept.map((m) => m.task.id), err: error }, 'could not check kept tasks against the broker; building them again');
          return new Set<Task>();
        });
      for (const managed of kept) {
        const id = managed.task.id;
        if (this.tasks.get(id) !== managed) continue;
        if (current.has(managed.task)) {
          this.seekToPositions(managed.task);
        } else {
          this.o.logger.info({ task: id }, 'kept task is stale (its changelog or offsets moved while it was away); building it again');
          this.o.metrics.taskRebuilds.inc({ reason: 'stale' });
          void this.drop(managed);
          this.startBuild(id, 0);
        }
      }
    }
    this.o.consumer.resume([...this.tasks.values()].filter((m) => m.task.state === 'running').flatMap((m) => this.partitionsOf(m.task)));
    for (const id of wanted.keys()) if (!this.tasks.has(id)) this.startBuild(id, 0);
    this.updateTaskGauge();
    this.o.logger.info({ tasks: [...wanted.keys()], generation: assignment.generationId }, 'tasks assigned');
  }

  /**
   * Builds task `id` from committed state, in the background, after `delayMs`. The only way a task comes to be:
   *   1. a fresh task (stores, watermark, operators) with its input partitions paused;
   *   2. a fresh producer: initialising it fences any older producer of the task and resolves its open
   *      transaction (an unknown-outcome commit is decided by the coordinator here);
   *   3. the group's committed offsets, read after that, so the outcome is visible;
   *   4. the stores and the checkpoint (watermark, positions) from the changelog; under exactly-once a
   *      checkpoint ahead of the group's offset wins (both are committed facts; the group's read can lag);
   *   5. running: seek, resume.
   * A failure anywhere starts the build again with backoff while the task stays assigned.
   */
  private startBuild(id: string, delayMs: number): void {
    const where = this.assigned.get(id);
    if (where === undefined || this.stopped) return;
    const { subtopology, partition } = where;
    const { plan, config, client, metrics, topology, logger } = this.o;
    const task = buildTask(
      {
        plan,
        topology,
        metrics,
        maxFutureSkewMs: config.maxFutureSkewMs ?? topology.options.maxFutureSkewMs,
        ...(this.o.globalTables !== undefined ? { globalTables: this.o.globalTables } : {}),
        recordLog: { warn: (fields, message) => void this.recordLog.warn(`${id}:${String(fields.code)}`, fields, message) },
        onLate: (owner, late, source, lateTopic) =>
          void this.lateLog.warn(
            `${owner.id}:${late.operator}`,
            { task: owner.id, operator: late.operator, topic: source.topic, partition: source.partition, offset: source.offset, timestampMs: late.timestampMs, windowEndMs: late.windowEndMs, watermarkMs: late.watermarkMs },
            lateTopic === undefined ? 'late record dropped (its window had closed; name a lateTopic to keep such records)' : `late record written to ${lateTopic}`,
          ),
      },
      subtopology,
      partition,
      Date.now(),
    );
    const committer: TaskCommitter =
      this.shared !== undefined
        ? new SharedTaskCommitter(id, this.shared, () => task.inputTopics.flatMap((topic) => {
            const offset = task.committedPosition(topic);
            return offset === undefined ? [] : [{ topic, partition, offset }];
          }))
        : config.processingGuarantee === 'exactly_once'
        ? new TransactionalCommitter(client.transactionalProducer({ transactionalId: transactionalIdFor(plan.applicationId, subtopology.id, partition), transactionTimeoutMs: 60_000 }), plan.applicationId)
        : new AtLeastOnceCommitter(this.o.sharedProducer as Producer, this.o.consumer);
    const commits = new TaskCommits(task, committer, {
      changelogTopicOf: (store) => plan.changelogTopics.get(store),
      oversized: {
        maxRecordBytes: config.maxRecordBytes,
        policy: topology.options.onError,
        dlqTopic: plan.dlqTopic,
        taskId: id,
        report: (fields, message) => {
          metrics.droppedRecords.inc({ reason: 'too-large' });
          this.recordLog.warn(`${id}:too-large`, fields, message);
        },
      },
    });
    const managed: ManagedTask = { task, commits, subtopology };
    this.tasks.set(id, managed);
    this.o.consumer.pause(this.partitionsOf(task));
    this.updateTaskGauge();
    void this.build(managed, delayMs).catch((error: unknown) => {
      if (this.tasks.get(id) !== managed) return; // dropped meanwhile: nothing to redo
      if (error instanceof RestoreCancelled) return;
      if (error instanceof TopologyError || error instanceof ConfigError || (error instanceof SluiceError && error.code === 'SLUICE_RECORD_FAILED')) {
        this.o.onFatal(error);
        return;
      }
      this.recover(managed, error, 'build-failed');
    });
    if (delayMs === 0) logger.debug({ task: id }, 'building task');
  }

  private async build(managed: ManagedTask, delayMs: number): Promise<void> {
    const { task, commits, subtopology } = managed;
    const { plan, logger } = this.o;
    const current = () => this.tasks.get(task.id) === managed && !this.stopped;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (!current()) return;
    // The dropped task's producer is gone before the new one initialises the same transactional id.
    await this.closing.get(task.id);
    if (!current()) return;
    const admin = await this.adminClient();
    const exactlyOnce = this.o.config.processingGuarantee === 'exactly_once';
    await commits.open(exactlyOnce && this.shared === undefined ? await transactionScope(admin, plan, subtopology, task.partition) : undefined);
    if (!current()) return;
    // Under one transaction per instance the previous owner is not fenced by this task's producer: a commit of it
    // may still be under way, and only a stable read waits for it (KIP-447).
    const stable = { requireStable: this.shared !== undefined };
    for (const topic of subtopology.sourceTopics) {
      const committed = (await admin.committedOffsets(plan.applicationId, topic, stable)).get(task.partition) ?? '-1';
      if (BigInt(committed) >= 0n) {
        task.setCommittedPosition(topic, committed);
        continue;
      }
      // Nothing committed yet: start at the earliest offset, explicitly, so the client never falls back on a
      // default-offset reset of its own (which would commit outside the task's transactions).
      const low = (await admin.topicOffsets(topic)).find((p) => p.partition === task.partition)?.low ?? '0';
      task.setCommittedPosition(topic, low);
    }
    await task.pipeline.prepareOutputs();
    if (!current()) return;
    task.lifecycle.transitionTo('restoring');
    if (task.stores.size > 0) {
      const restored = await this.restorer.restore(task, () => !current());
      for (const [topic, end] of restored.changelogEnds) commits.changelogEnds.set(topic, end);
      const checkpoint = restored.checkpoint;
      if (checkpoint !== undefined) {
        task.watermark.restoreTo(checkpoint.watermarkMs);
        if (checkpoint.inputs !== undefined) task.watermark.restoreInputs(checkpoint.inputs);
        for (const [topic, offset] of Object.entries(checkpoint.offsets)) {
          const fromGroup = task.committedPosition(topic);
          // Every commit of a stateful task writes its checkpoint beside its offsets (in the transaction, or
          // under at-least-once acknowledged before the offsets are committed), so a group offset past the last
          // checkpoint read means the changelog read stopped short of committed work (end offsets the broker
          // gave while it was recovering): its state is not in the stores, and the watermark is behind (late
          // records would count as on time). Going on would skip that input's effect; the task is built again.
          if (fromGroup !== undefined && BigInt(fromGroup) > BigInt(offset)) {
            throw new TaskCorruptedError(
              `task ${task.id}: its changelog read ended at a checkpoint covering ${topic} up to offset ${offset}, but the group committed ${fromGroup}; the changelog end offsets were stale (a broker recovering?); building the task again`,
              { retriable: true, context: { taskId: task.id, topic, partition: task.partition, offset: fromGroup } },
            );
          }
          // Under at-least-once the checkpoint may have been written while other records of its send failed:
          // only a committed transaction makes its positions a fact.
          if (exactlyOnce && fromGroup !== undefined && BigInt(offset) > BigInt(fromGroup)) {
            logger.warn({ task: task.id, topic, group: fromGroup, checkpoint: offset }, 'the group offset is behind the changelog checkpoint; resuming from the checkpoint');
            task.setCommittedPosition(topic, offset);
          }
        }
      }
      // Tables read from a topic: up to the positions just decided, from which the task then processes.
      await this.restorer.restoreTables(task, () => !current());
    }
    if (!current()) return;
    task.lifecycle.transitionTo('running');
    task.progressAtMs = Date.now();
    task.lastCommitAtMs = Date.now();
    this.seekToPositions(task);
    this.o.consumer.resume(this.partitionsOf(task));
    this.updateTaskGauge();
    logger.info({ task: task.id, positions: Object.fromEntries(subtopology.sourceTopics.map((t) => [t, task.position(t) ?? 'start'])) }, 'task running');
  }

  /**
   * The single answer to a task that failed: drop it (its producer is closed; the next one fences it anyway)
   * and build it again from committed state, after a backoff when failures repeat.
   */
  private recover(managed: ManagedTask, error: unknown, reason: 'commit-failed' | 'fenced' | 'build-failed'): void {
    const { task } = managed;
    if (this.tasks.get(task.id) !== managed) return;
    void this.drop(managed);
    this.o.metrics.taskRebuilds.inc({ reason });
    if (reason !== 'build-failed') this.o.metrics.transactionsAborted.inc({ reason: reason === 'fenced' ? 'fenced' : 'error' });
    const { delayMs: backoffMs, attempt, newCause } = this.backoff.failed(task.id, error, Date.now());
    // A fence usually means another instance owns the task now: give the rebalance that says so time to arrive.
    const delayMs = reason === 'fenced' ? Math.max(backoffMs, this.o.config.sessionTimeoutMs) : backoffMs;
    const fields = { task: task.id, reason, attempt, retryInMs: delayMs, err: error };
    const message = `task ${task.id}: ${reason === 'fenced' ? 'fenced by a newer producer' : reason === 'build-failed' ? 'could not be built' : 'commit failed or its outcome is unknown'}; building it again from committed state`;
    if (newCause || attempt === 1) this.o.logger.warn(fields, message);
    else this.recoveryLog.warn(`${task.id}:recover`, fields, message);
    this.startBuild(task.id, delayMs);
  }

  /**
   * Forgets a task at once (synchronously): it processes and commits nothing more. Its producer is closed in the
   * background (the returned promise); a rebuild's new producer fences it anyway.
   */
  private drop(managed: ManagedTask): Promise<void> {
    const { task } = managed;
    if (this.tasks.get(task.id) === managed) this.tasks.delete(task.id);
    if (task.state === 'closed') return Promise.resolve();
    task.pipeline.close();
    task.lifecycle.transitionTo('closed');
    task.stall = null;
    this.o.metrics.taskStalled.set({ task: task.id }, 0);
    this.o.consumer.pause(this.partitionsOf(task));
    this.updateTaskGauge();
    const closed = managed.commits.close().catch(() => undefined);
    const previous = this.closing.get(task.id);
    const all = previous === undefined ? closed : Promise.all([previous, closed]).then(() => undefined);
    this.closing.set(task.id, all);
    void all.then(() => {
      if (this.closing.get(task.id) === all) this.closing.delete(task.id);
    });
    return closed;
  }

  /**
   * Points the consumer at the task's positions. Harmless when it cannot (the consumer restarting after a broker
   * error): it then fetches from the group's committed offsets, never ahead of the task, and the task skips what
   * it already processed.
   */
  private seekToPositions(task: Task): void {
    for (const topic of task.inputTopics) {
      const position = task.position(topic);
      if (position === undefined) continue;
      try {
        this.o.consumer.seek({ topic, partition: task.partition, offset: position });
      } catch (error) {
        this.o.logger.debug({ task: task.id, topic, err: error }, 'seek deferred: the consumer is not in the group right now');
      }
    }
  }

  async processBatch(batch: InputBatch, isRunning: () => boolean = () => true): Promise<void> {
    const sub = this.o.plan.readerOf.get(batch.topic);
    if (sub === undefined) return;
    const managed = this.tasks.get(taskIdFor(sub, batch.partition));
    if (managed === undefined || managed.task.state !== 'running') return;
    const { task } = managed;
    const serdes = task.pipeline.inputSerdes(batch.topic);
    if (serdes?.key.prepare !== undefined || serdes?.value.prepare !== undefined) await this.prepareInputs(batch, serdes);
    // A fetched batch can hold tens of thousands of records. It is processed in slices so the commit interval
    // holds (transactions stay small and output flows) however large the fetch was.
    for (let from = 0; from < batch.records.length; from += SLICE_RECORDS) {
      if (task.state !== 'running' || !isRunning()) return;
      const slice = from === 0 && batch.records.length <= SLICE_RECORDS ? batch : { ...batch, records: batch.records.slice(from, from + SLICE_RECORDS) };
      const started = performance.now();
      const now = Date.now();
      const processed = task.processBatch(slice, now);
      if (this.debug) {
        this.o.logger.debug(
          { task: task.id, topic: slice.topic, first: slice.records[0]?.offset, last: slice.records[slice.records.length - 1]?.offset, records: slice.records.length, processed, position: task.position(slice.topic) },
          'batch',
        );
      }
      this.o.metrics.processDuration.observe({ task: task.id }, (performance.now() - started) / 1000);
      this.o.metrics.recordsConsumed.inc({ topic: slice.topic }, processed);
      if (task.consumerLag !== null) this.o.metrics.consumerLag.set({ topic: slice.topic, partition: String(slice.partition) }, task.consumerLag);
      if (now - task.lastCommitAtMs >= this.o.config.commitIntervalMs) {
        // At most one commit in flight and one interval of work behind it: wait here when the last is slow.
        if (managed.commits.busy) await managed.commits.settle();
        if (task.state !== 'running') return;
        this.startCommit(managed, Date.now());
      }
    }
  }

  /**
   * Lets input serdes fetch what the batch needs (schema ids) before the synchronous pass. A retriable
   * failure (registry briefly down) is retried with backoff; records are not dead-lettered for it.
   */
  private async prepareInputs(batch: InputBatch, serdes: { key: Serde<unknown>; value: Serde<unknown> }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (serdes.key.prepare !== undefined) await serdes.key.prepare({ topic: batch.topic, isKey: true, payloads: batch.records.map((r) => r.key) });
        if (serdes.value.prepare !== undefined) await serdes.value.prepare({ topic: batch.topic, isKey: false, payloads: batch.records.map((r) => r.value) });
        return;
      } catch (error) {
        if (!(error instanceof SluiceError) || !error.retriable || attempt >= 8) throw error;
        this.o.logger.warn({ topic: batch.topic, partition: batch.partition, attempt, err: error }, 'preparing input serdes failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** attempt)));
      }
    }
  }

  /** Advances idle watermarks, starts the commits that are due, checks for stalls and purges repartition topics. */
  async tick(nowMs: number): Promise<void> {
    for (const managed of [...this.tasks.values()]) {
      const { task } = managed;
      if (task.state !== 'running') continue;
      task.tick(nowMs);
      const wm = task.watermark.current();
      if (wm > Number.MIN_SAFE_INTEGER) {
        this.o.metrics.watermark.set({ task: task.id }, wm / 1000);
        this.o.metrics.watermarkLag.set({ task: task.id }, Math.max(0, (nowMs - wm) / 1000));
      }
      if (nowMs - task.lastCommitAtMs >= this.o.config.commitIntervalMs && !managed.commits.busy) this.startCommit(managed, nowMs);
    }
    this.stalls.tick(nowMs, [...this.tasks.values()].map((m) => m.task), () => this.adminClient());
    if (nowMs - this.lastPurgeMs >= PURGE_INTERVAL_MS) {
      this.lastPurgeMs = nowMs;
      const committed = [...this.tasks.values()].filter((m) => m.task.state === 'running').map((m) => m.task);
      try {
        await purgeRepartitionTopics(await this.adminClient(), committed, this.repartitionTopics, this.o.logger);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'could not purge consumed repartition records; will retry');
      }
    }
  }

  /** Starts a commit of one task without waiting for it; its outcome is handled when it arrives. */
  private startCommit(managed: ManagedTask, nowMs: number): void {
    void managed.commits.commit(nowMs).then((result) => this.onCommitResult(managed, result));
  }

  /** Commits one task and waits for the outcome (rebalances and shutdown). */
  private async commitNow(managed: ManagedTask, nowMs: number): Promise<CommitResult> {
    const result = await managed.commits.commit(nowMs);
    this.onCommitResult(managed, result);
    return result;
  }

  private onCommitResult(managed: ManagedTask, result: CommitResult): void {
    const { task } = managed;
    switch (result.kind) {
      case 'idle':
        return;
      case 'committed': {
        const { payload, durationMs } = result;
        this.countProduced(payload.records, payload.outputRecords);
        this.publishCommitted(payload.records, payload.outputRecords);
        this.o.metrics.commits.inc({ result: 'committed' });
        if (this.shared === undefined && this.o.config.processingGuarantee === 'exactly_once') this.o.metrics.transactionsCommitted.inc();
        this.o.metrics.commitDuration.observe({ task: task.id }, durationMs / 1000);
        if (this.debug) this.o.logger.debug({ task: task.id, records: payload.records.length, offsets: payload.offsets }, 'committed');
        const streak = this.backoff.succeeded(task.id);
        if (streak !== undefined) this.o.logger.info({ task: task.id, failures: streak.failures, seconds: Math.round((Date.now() - streak.sinceMs) / 1000) }, `task ${task.id} is committing again`);
        return;
      }
      case 'failed':
        this.o.metrics.commits.inc({ result: 'failed' });
        this.recover(managed, result.error, result.fenced ? 'fenced' : 'commit-failed');
        return;
      case 'fatal':
        this.o.metrics.commits.inc({ result: 'failed' });
        void this.drop(managed);
        this.o.onFatal(result.error instanceof SluiceError && !(result.error instanceof RecordFailedError) ? new RecordFailedError(result.error) : (result.error as Error));
        return;
    }
  }

  private publishCommitted(records: readonly OutputRecord[], outputRecords: number): void {
    const listeners = this.o.outputListeners;
    if (listeners === undefined || listeners.size === 0 || outputRecords === 0) return;
    const visible = records.slice(0, outputRecords);
    for (const listener of listeners) {
      try {
        listener(visible);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'a committed-output listener threw');
      }
    }
  }

  private countProduced(records: readonly { readonly topic: string }[], outputRecords: number): void {
    let topic: string | undefined;
    let run = 0;
    for (let i = 0; i < outputRecords; i++) {
      const t = (records[i] as { topic: string }).topic;
      if (t !== topic) {
        if (topic !== undefined) this.o.metrics.recordsProduced.inc({ topic }, run);
        topic = t;
        run = 0;
      }
      run++;
    }
    if (topic !== undefined) this.o.metrics.recordsProduced.inc({ topic }, run);
  }

  private partitionsOf(task: Task): TopicPartition[] {
    return task.inputTopics.map((topic) => ({ topic, partition: task.partition }));
  }

  /** A revoked task, or every task on shutdown: commit what is pending, keep a snapshot, close. */
  private async closeClean(managed: ManagedTask): Promise<void> {
    const { task } = managed;
    await managed.commits.settle();
    if (this.tasks.get(task.id) !== managed || task.state !== 'running') {
      if (this.tasks.get(task.id) === managed) await this.drop(managed);
      return;
    }
    if (task.hasPendingWork()) {
      const result = await this.commitNow(managed, Date.now());
      if (result.kind !== 'committed' && result.kind !== 'idle') return; // dropped by the failure handling
    }
    if (this.tasks.get(task.id) !== managed) return;
    await this.restorer.snapshot(task).catch((error: unknown) => this.o.logger.warn({ task: task.id, err: error }, 'could not write the state snapshot'));
    if (this.tasks.get(task.id) !== managed) return;
    await this.drop(managed);
    this.o.logger.info({ task: task.id }, 'task closed');
  }

  /** Graceful shutdown: every task commits what it has and closes. Builds in progress stop. */
  async closeAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.tasks.values()].map((managed) => this.closeClean(managed)));
    await this.release();
  }

  /**
   * Shutdown without committing (a fatal error, or the shutdown timeout passed): every task is dropped at once,
   * synchronously, so a drain still running sees closed tasks and stops. The next owner resumes from the last commit.
   */
  abandonAll(): void {
    this.stopped = true;
    for (const managed of [...this.tasks.values()]) void this.drop(managed);
  }

  /** Closes the restorer and the admin client once no task is left. */
  async release(): Promise<void> {
    this.updateTaskGauge();
    await this.restorer.close();
    this.removeRejoinHook?.();
    await this.shared?.close().catch((error: unknown) => this.o.logger.warn({ err: error }, 'could not close the instance transaction'));
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  private updateTaskGauge(): void {
    const counts: Record<string, number> = { created: 0, restoring: 0, running: 0, suspended: 0, closed: 0 };
    for (const { task } of this.tasks.values()) counts[task.state] = (counts[task.state] ?? 0) + 1;
    for (const [state, n] of Object.entries(counts)) this.o.metrics.tasks.set({ state }, n);
  }

  statuses(nowMs: number): TaskStatus[] {
    return [...this.tasks.values()].map((m) => m.task.status(nowMs));
  }

  /** Why this instance is not ready, or undefined when it is (tasks assigned, all running, none stalled). */
  notReadyReason(): string | undefined {
    if (this.latest !== this.applied || this.reconciling) return 'applying a new assignment';
    for (const id of this.assigned.keys()) {
      const managed = this.tasks.get(id);
      if (managed === undefined) return `task ${id} is being built`;
      if (managed.task.state !== 'running') return `task ${id} is ${managed.task.state === 'created' ? 'being built' : managed.task.state}`;
      if (managed.task.stall !== null) return `task ${id} stalled: ${managed.task.stall.reason}`;
    }
    return undefined;
  }
}
