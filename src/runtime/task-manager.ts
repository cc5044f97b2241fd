import { join } from 'node:path';
import type { SluiceConfig } from '../config/config.ts';
import type { Topology } from '../dsl/define-topology.ts';
import type { StatefulOperatorSpec } from '../dsl/graph.ts';
import type { TaskCommitter } from '../eos/committer.ts';
import { AtLeastOnceCommitter } from '../eos/at-least-once-committer.ts';
import { TransactionalCommitter } from '../eos/transactional-committer.ts';
import { SluiceError, TaskMigratedError } from '../errors/index.ts';
import type { Admin, Assignment, GroupConsumer, InputBatch, KafkaClient, Producer, TopicPartition } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import { RateLimitedLog } from '../logging/rate-limited.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { taskIdFor, transactionalIdFor } from '../planner/names.ts';
import type { Plan, Subtopology } from '../planner/plan.ts';
import type { Serde } from '../serde/serde.ts';
import type { StateStore } from '../state/state-store.ts';
import { createStatefulProcessor, createStores } from './operators/stateful.ts';
import type { LateRecord } from '../processor/processor.ts';
import { lateOutputRecord } from './late-record.ts';
import { RecordErrorHandler } from './record-error-handler.ts';
import { PURGE_INTERVAL_MS, purgeRepartitionTopics } from './repartition-purger.ts';
import { StateRestorer, WATERMARK_KEY } from './state-restorer.ts';
import type { CommittedOutputListener, TaskStatus } from './status.ts';
import { Task } from './task.ts';
import { TaskPipeline } from './task-pipeline.ts';
import { createWatermark } from './watermark.ts';

interface ManagedTask {
  readonly task: Task;
  readonly committer: TaskCommitter;
  readonly subtopology: Subtopology;
  /** Watermark last written to the changelog. */
  persistedWatermarkMs: number;
  consecutiveFailures: number;
  /** Incremented by every roll-back to the last commit. */
  rollbacks: number;
}

export interface TaskManagerOptions {
  readonly plan: Plan;
  readonly topology: Topology;
  readonly config: SluiceConfig;
  readonly client: KafkaClient;
  readonly consumer: GroupConsumer;
  readonly sharedProducer: Producer | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Listeners of committed output (see CommittedOutputListener); may be empty. */
  readonly outputListeners?: ReadonlySet<CommittedOutputListener>;
}

const MAX_CONSECUTIVE_COMMIT_FAILURES = 10;
/** Records run through a task between two chances to commit. */
const SLICE_RECORDS = 2_000;

/**
 * Owns this instance's tasks: creates them for newly assigned partitions (initialising each task's producer
 * fences any zombie, then its position is read and its state restored), closes revoked ones, feeds batches,
 * and runs the commit of each task every commit interval. All methods run under the application's lock.
 */
export class TaskManager {
  private latest: Assignment | undefined;
  private applied: Assignment | undefined;
  private readonly tasks = new Map<string, ManagedTask>();
  private admin: Admin | undefined;
  private readonly restorer: StateRestorer;
  private readonly lateLog: RateLimitedLog;
  private readonly recordLog: RateLimitedLog;
  private readonly debug: boolean;
  private reconciling = false;
  private lastPurgeMs = Date.now();
  private readonly repartitionTopics: ReadonlySet<string>;

  constructor(private readonly o: TaskManagerOptions) {
    this.restorer = new StateRestorer(o.client, o.plan, o.metrics, o.logger, o.config.stateDir === null ? null : join(o.config.stateDir, o.plan.applicationId));
    this.lateLog = new RateLimitedLog(o.logger, { intervalMs: 10_000 });
    this.recordLog = new RateLimitedLog(o.logger, { intervalMs: 10_000 });
    this.debug = o.logger.isLevelEnabled('debug');
    this.repartitionTopics = new Set(o.plan.repartitionTopics.values());
  }

  /** Records the assignment of a group join; applied by the next reconcile. Synchronous. */
  assign(assignment: Assignment): void {
    this.latest = assignment;
  }

  hasAssignment(): boolean {
    return this.applied !== undefined;
  }

  /** True while an assignment is being applied: its tasks may not exist yet, so the instance is not ready. */
  isReconciling(): boolean {
    return this.reconciling || this.latest !== this.applied;
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
  async reconcile(heartbeat: () => Promise<void>): Promise<boolean> {
    const assignment = this.latest;
    if (assignment === undefined || assignment === this.applied) return false;
    this.applied = assignment;
    this.reconciling = true;
    try {
      return await this.applyAssignment(assignment, heartbeat);
    } finally {
      this.reconciling = false;
    }
  }

  private async applyAssignment(assignment: Assignment, heartbeat: () => Promise<void>): Promise<boolean> {
    const wanted = new Map<string, { subtopology: Subtopology; partition: number }>();
    for (const tp of assignment.partitions) {
      const sub = this.o.plan.readerOf.get(tp.topic);
      if (sub === undefined) continue;
      const subtopology = this.o.plan.subtopologies[sub] as Subtopology;
      wanted.set(taskIdFor(sub, tp.partition), { subtopology, partition: tp.partition });
    }
    for (const [id, managed] of this.tasks) {
      if (!wanted.has(id)) {
        await this.closeTask(managed, true);
        continue;
      }
      // Kept: commit what is pending, then make sure nobody else committed in between.
      if (managed.task.hasPendingWork()) await this.commit(managed, Date.now()).catch(() => undefined);
      const current = this.tasks.get(id);
      if (current === undefined || current.task.state === 'closed' || !(await this.positionsCurrent(current))) {
        if (current !== undefined && current.task.state !== 'closed') await this.closeTask(current, false);
      } else {
        this.seekToPositions(current.task);
        if (current.task.state === 'suspended') current.task.lifecycle.transitionTo('running');
      }
    }
    this.o.consumer.resume(assignment.partitions);
    for (const [id, { subtopology, partition }] of wanted) {
      if (this.tasks.has(id)) continue;
      await this.createTask(subtopology, partition, heartbeat);
    }
    this.updateTaskGauge();
    this.o.logger.info({ tasks: [...this.tasks.keys()], generation: assignment.generationId }, 'tasks assigned');
    return true;
  }

  /**
   * Whether nobody else committed for this task while it was ours to keep. Another owner would have read our
   * offset after fencing us and committed further, so only a group offset *ahead* of ours means the state is
   * stale; one behind ours is our own last commit whose marker has not been applied yet.
   */
  private async positionsCurrent(managed: ManagedTask): Promise<boolean> {
    const admin = await this.adminClient();
    for (const topic of managed.task.inputTopics) {
      const committed = BigInt((await admin.committedOffsets(this.o.plan.applicationId, topic)).get(managed.task.partition) ?? '-1');
      const mine = managed.task.committedPosition(topic);
      if (committed > BigInt(mine ?? '-1')) return false;
    }
    return true;
  }

  private seekToPositions(task: Task): void {
    for (const topic of task.inputTopics) {
      const position = task.position(topic);
      if (position !== undefined) this.o.consumer.seek({ topic, partition: task.partition, offset: position });
    }
  }

  private async createTask(subtopology: Subtopology, partition: number, heartbeat: () => Promise<void>): Promise<void> {
    const { plan, config, client, metrics, logger, topology } = this.o;
    const id = taskIdFor(subtopology.id, partition);
    const committer: TaskCommitter =
      config.processingGuarantee === 'exactly_once'
        ? new TransactionalCommitter(client.transactionalProducer({ transactionalId: transactionalIdFor(plan.applicationId, subtopology.id, partition), transactionTimeoutMs: 60_000 }), plan.applicationId)
        : new AtLeastOnceCommitter(this.o.sharedProducer as Producer, this.o.consumer);
    // 1. Initialise the producer: fences a zombie still holding this task and completes its open transaction.
    await committer.open();
    const stores: Map<string, StateStore> = createStores(subtopology);
    const output: import('../kafka/types.ts').OutputRecord[] = [];
    const watermark = createWatermark(topology.options, subtopology.sourceTopics, Date.now());
    const holder: { task?: Task } = {};
    const lateTopicOf = new Map<string, string>();
    const errors = new RecordErrorHandler(topology.options.onError, plan.dlqTopic, id, metrics, {
      warn: (fields, message) => void this.recordLog.warn(`${id}:${String(fields.code)}`, fields, message),
    });
    const pipeline = new TaskPipeline(plan, subtopology, {
      taskId: id,
      partition,
      output,
      stores,
      watermarkMs: () => watermark.current(),
      reportLate: (late) => this.reportLate(holder.task as Task, late, lateTopicOf.get(late.operator)),
      onEmitError: (error, key, value, timestampMs) => errors.handleEmit(error, key, value, timestampMs, output),
      createStateful: (spec: StatefulOperatorSpec, nodeName: string) => {
        if (spec.lateTopic !== undefined) lateTopicOf.set(nodeName, spec.lateTopic);
        return createStatefulProcessor(spec, nodeName);
      },
    });
    const task = new Task(id, subtopology.id, partition, subtopology.sourceTopics, pipeline, watermark, stores, errors, Date.now(), output);
    holder.task = task;
    const managed: ManagedTask = { task, committer, subtopology, persistedWatermarkMs: Number.MIN_SAFE_INTEGER, consecutiveFailures: 0, rollbacks: 0 };
    this.tasks.set(id, managed);
    // 2. Read where to resume, after the fence, so a zombie's last commit is visible.
    const admin = await this.adminClient();
    for (const topic of subtopology.sourceTopics) {
      const committed = (await admin.committedOffsets(plan.applicationId, topic)).get(partition) ?? '-1';
      if (BigInt(committed) >= 0n) {
        task.setCommittedPosition(topic, committed);
        continue;
      }
      // Nothing committed yet: start at the earliest offset, explicitly, so the client never falls back on a
      // default-offset reset of its own (which would commit outside the task's transactions).
      const low = (await admin.topicOffsets(topic)).find((p) => p.partition === partition)?.low ?? '0';
      task.setStartPosition(topic, low);
    }
    await pipeline.prepareOutputs();
    // 3. Restore state from the changelogs, then run.
    task.lifecycle.transitionTo('restoring');
    await this.restore(managed, heartbeat);
    task.lifecycle.transitionTo('running');
    this.seekToPositions(task);
    logger.info({ task: id, positions: Object.fromEntries(subtopology.sourceTopics.map((t) => [t, task.position(t) ?? 'start'])) }, 'task running');
  }

  private async restore(managed: ManagedTask, heartbeat: () => Promise<void>): Promise<void> {
    const { task } = managed;
    if (task.stores.size === 0) return;
    const watermarkMs = await this.restorer.restore(task, heartbeat);
    if (watermarkMs !== undefined) task.watermark.restoreTo(watermarkMs);
    managed.persistedWatermarkMs = task.watermark.current();
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
    const rollbacks = managed.rollbacks;
    for (let from = 0; from < batch.records.length; from += SLICE_RECORDS) {
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
      if (now - task.lastCommitAtMs >= this.o.config.commitIntervalMs) await this.commit(managed, now);
      // After a roll-back (the consumer was sought back) or a close, the rest of this batch must not be processed.
      if (managed.rollbacks !== rollbacks || task.state !== 'running' || !isRunning()) return;
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

  /** Advances idle watermarks and commits tasks whose interval has passed. */
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
      if (nowMs - task.lastCommitAtMs >= this.o.config.commitIntervalMs) await this.commit(managed, nowMs);
    }
    if (nowMs - this.lastPurgeMs >= PURGE_INTERVAL_MS) {
      this.lastPurgeMs = nowMs;
      await purgeRepartitionTopics(await this.adminClient(), [...this.tasks.values()].map((m) => m.task), this.repartitionTopics, this.o.logger);
    }
  }

  private reportLate(task: Task, late: LateRecord, lateTopic: string | undefined): void {
    task.lateRecords++;
    this.o.metrics.lateRecords.inc({ operator: late.operator });
    this.o.metrics.droppedRecords.inc({ reason: 'late' });
    const record = task.pipeline.currentRecord();
    this.lateLog.warn(
      `${task.id}:${late.operator}`,
      { task: task.id, operator: late.operator, topic: record.topic, partition: record.partition, offset: record.offset, timestampMs: late.timestampMs, windowEndMs: late.windowEndMs, watermarkMs: late.watermarkMs },
      lateTopic === undefined ? 'late record dropped (its window had closed; name a lateTopic to keep such records)' : `late record written to ${lateTopic}`,
    );
    if (lateTopic !== undefined) task.output.push(lateOutputRecord(late, record, lateTopic));
  }

  /** One commit of one task: output + changelog (+ watermark) + offsets, atomically under exactly-once. */
  async commit(managed: ManagedTask, nowMs: number): Promise<void> {
    const { task } = managed;
    if (task.state !== 'running' && task.state !== 'suspended') return;
    if (!task.hasPendingWork()) {
      task.lastCommitAtMs = nowMs;
      return;
    }
    const changelogStart = task.output.length;
    for (const store of task.stores.values()) {
      if (!store.hasChanges()) continue;
      const topic = this.o.plan.changelogTopics.get(store.name) as string;
      for (const change of store.drainChanges()) task.output.push({ topic, partition: task.partition, key: change.key, value: change.value, timestampMs: nowMs });
    }
    const wm = task.watermark.current();
    const firstStore = managed.subtopology.stores[0];
    if (firstStore !== undefined && wm !== managed.persistedWatermarkMs) {
      task.output.push({ topic: this.o.plan.changelogTopics.get(firstStore.name) as string, partition: task.partition, key: WATERMARK_KEY, value: Buffer.from(String(wm)), timestampMs: nowMs });
    }
    const started = performance.now();
    try {
      const offsets = task.pendingOffsets();
      if (this.debug) this.o.logger.debug({ task: task.id, records: task.output.length, offsets }, 'commit');
      await managed.committer.commit(task.output, offsets);
      const durationMs = performance.now() - started;
      this.countProduced(task, changelogStart);
      this.publishCommitted(task, changelogStart);
      task.markCommitted(Date.now(), durationMs);
      managed.persistedWatermarkMs = wm;
      managed.consecutiveFailures = 0;
      this.o.metrics.commits.inc({ result: 'committed' });
      this.o.metrics.commitDuration.observe({ task: task.id }, durationMs / 1000);
    } catch (error) {
      this.o.metrics.commits.inc({ result: 'failed' });
      await this.onCommitFailure(managed, error);
    }
  }

  private publishCommitted(task: Task, userRecords: number): void {
    const listeners = this.o.outputListeners;
    if (listeners === undefined || listeners.size === 0 || userRecords === 0) return;
    const records = task.output.slice(0, userRecords);
    for (const listener of listeners) {
      try {
        listener(records);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'a committed-output listener threw');
      }
    }
  }

  private countProduced(task: Task, userRecords: number): void {
    let topic: string | undefined;
    let run = 0;
    for (let i = 0; i < userRecords; i++) {
      const t = (task.output[i] as { topic: string }).topic;
      if (t !== topic) {
        if (topic !== undefined) this.o.metrics.recordsProduced.inc({ topic }, run);
        topic = t;
        run = 0;
      }
      run++;
    }
    if (topic !== undefined) this.o.metrics.recordsProduced.inc({ topic }, run);
  }

  private async onCommitFailure(managed: ManagedTask, error: unknown): Promise<void> {
    const { task } = managed;
    if (error instanceof TaskMigratedError) {
      this.o.metrics.transactionsAborted.inc({ reason: 'fenced' });
      this.o.logger.warn({ task: task.id, err: error }, 'task fenced: another instance owns it now; closing it until the next assignment');
      await this.closeTask(managed, false);
      this.o.consumer.pause(this.partitionsOf(task));
      return;
    }
    this.o.metrics.transactionsAborted.inc({ reason: 'error' });
    managed.consecutiveFailures++;
    this.o.logger.warn({ task: task.id, err: error, attempt: managed.consecutiveFailures }, 'commit failed; rolled back to the last commit and will reprocess');
    if (managed.consecutiveFailures >= MAX_CONSECUTIVE_COMMIT_FAILURES) {
      throw new SluiceError('SLUICE_COMMIT_FAILED', `task ${task.id} failed to commit ${managed.consecutiveFailures} times in a row: ${(error as Error).message}`, { cause: error, context: { taskId: task.id } });
    }
    task.rollBack();
    managed.rollbacks++;
    task.lifecycle.transitionTo('restoring');
    await this.restore(managed, async () => {});
    task.lifecycle.transitionTo('running');
    this.seekToPositions(task);
  }

  private partitionsOf(task: Task): TopicPartition[] {
    return task.inputTopics.map((topic) => ({ topic, partition: task.partition }));
  }

  private async closeTask(managed: ManagedTask, clean: boolean): Promise<void> {
    const { task } = managed;
    if (task.state === 'closed') return;
    if (clean && task.hasPendingWork() && (task.state === 'running' || task.state === 'suspended')) {
      await this.commit(managed, Date.now()).catch(() => undefined);
    }
    if ((task.state as string) === 'closed') return;
    if (clean && !task.hasPendingWork() && task.state === 'running') {
      await this.restorer.snapshot(task).catch((error: unknown) => this.o.logger.warn({ task: task.id, err: error }, 'could not write the state snapshot'));
    }
    task.rollBack();
    task.pipeline.close();
    task.lifecycle.transitionTo('closed');
    this.tasks.delete(task.id);
    await managed.committer.close().catch(() => undefined);
    this.o.logger.info({ task: task.id, clean }, 'task closed');
  }

  async closeAll(clean: boolean): Promise<void> {
    for (const managed of [...this.tasks.values()]) await this.closeTask(managed, clean);
    this.updateTaskGauge();
    await this.restorer.close();
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
}
