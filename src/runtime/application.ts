import type { SluiceConfig } from '../config/config.ts';
import type { Topology } from '../dsl/define-topology.ts';
import { SluiceError, TaskMigratedError, TopologyError } from '../errors/index.ts';
import type { Assignment, BatchControls, GroupConsumer, InputBatch, KafkaClient, Producer } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import { Metrics } from '../metrics/metrics.ts';
import type { TopologyDescription } from '../planner/description.ts';
import { describePlan } from '../planner/describe.ts';
import { plan as planTopology, type Plan } from '../planner/plan.ts';
import type { ResolvedPartitions } from '../planner/partitions.ts';
import { ensureTopics } from './ensure-topics.ts';
import { SerialLock } from './serial-lock.ts';
import type { ApplicationState, ApplicationStatus, CommittedOutputListener, StatusSource } from './status.ts';
import { RecordFailedError } from './record-error-handler.ts';
import { TaskManager } from './task-manager.ts';
import { GlobalTables } from './global/global-tables.ts';

export const SLUICE_VERSION = '0.1.0';

/** How long startup keeps retrying while the brokers cannot be reached. */
const STARTUP_RETRY_MS = 120_000;

export interface ApplicationOptions {
  readonly topology: Topology;
  readonly config: SluiceConfig;
  readonly client: KafkaClient;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

const TRANSITIONS: Readonly<Record<ApplicationState, readonly ApplicationState[]>> = {
  created: ['starting', 'stopping', 'failed'],
  starting: ['rebalancing', 'running', 'stopping', 'failed'],
  rebalancing: ['running', 'rebalancing', 'stopping', 'failed'],
  running: ['rebalancing', 'stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

/**
 * One instance of a topology: joins the consumer group `applicationId`, runs one task per assigned
 * (sub-topology, partition), commits each task every commit interval, and stops gracefully.
 */
export class Application implements StatusSource {
  readonly applicationId: string;
  readonly metrics: Metrics;
  readonly plan: Plan;
  private state: ApplicationState = 'created';
  private partitions: ResolvedPartitions | undefined;
  private consumer: GroupConsumer | undefined;
  private producer: Producer | undefined;
  private tasks: TaskManager | undefined;
  /** The global tables (t.globalTable), restored before the consumer joins the group; undefined when none. */
  private globals: GlobalTables | undefined;
  private readonly lock = new SerialLock();
  private readonly outputListeners = new Set<CommittedOutputListener>();
  /** The consumer lost its group session on a broker error and is starting over. */
  private rejoining = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAtMs = Date.now();
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Settles when the application has stopped: resolves after stop(), rejects on a fatal error. */
  readonly done: Promise<void>;

  constructor(private readonly options: ApplicationOptions) {
    const applicationId = options.config.applicationId ?? options.topology.options.applicationId;
    this.applicationId = applicationId;
    const topology: Topology =
      applicationId === options.topology.options.applicationId
        ? options.topology
        : { ...options.topology, options: { ...options.topology.options, applicationId } };
    this.plan = planTopology(topology);
    this.metrics = options.metrics ?? new Metrics({ applicationId, version: SLUICE_VERSION });
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
  }

  private transitionTo(next: ApplicationState): void {
    if (this.state === next && next === 'rebalancing') return;
    if (!TRANSITIONS[this.state].includes(next)) throw new Error(`application ${this.applicationId}: illegal transition ${this.state} -> ${next}`);
    this.options.logger.debug({ from: this.state, to: next }, 'application state');
    this.state = next;
  }

  async start(): Promise<void> {
    this.transitionTo('starting');
    const { config, client, logger, topology } = this.options;
    this.partitions = await this.withStartupRetries('checking and creating topics', async () => {
      const admin = client.admin();
      try {
        await admin.connect();
        return await ensureTopics(admin, this.plan, logger);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    });
    if (this.plan.globalTables.length > 0) {
      const globals = new GlobalTables({
        plan: this.plan,
        client,
        logger,
        metrics: this.metrics,
        onError: topology.options.onError,
        maxWaitMs: config.maxWaitMs,
        onFatal: (error) => this.fail(error),
      });
      this.globals = globals;
      // Like Kafka Streams' global thread: every global table holds its topic's contents as of now before this
      // instance joins the group, so no task processes a record against a table still being restored.
      await globals.restore();
      if (this.state !== 'starting') return;
    }
    const topics = [...this.plan.readerOf.keys()];
    const consumer = client.consumer({
      groupId: this.applicationId,
      topics,
      sessionTimeoutMs: config.sessionTimeoutMs,
      rebalanceTimeoutMs: Math.max(config.sessionTimeoutMs * 2, 30_000),
      heartbeatIntervalMs: Math.max(500, Math.floor(config.sessionTimeoutMs / 10)),
      maxWaitMs: config.maxWaitMs,
      fromBeginning: true,
    });
    this.consumer = consumer;
    if (config.processingGuarantee === 'at_least_once') {
      const producer = client.producer();
      this.producer = producer;
      await this.withStartupRetries('connecting the producer', () => producer.connect());
    }
    this.tasks = new TaskManager({
      plan: this.plan,
      topology,
      config,
      client,
      consumer,
      sharedProducer: this.producer,
      ...(this.globals !== undefined ? { globalTables: this.globals.stores } : {}),
      metrics: this.metrics,
      logger,
      outputListeners: this.outputListeners,
      onFatal: (error) => this.fail(error),
    });
    consumer.onAssignment((assignment: Assignment) => {
      this.metrics.rebalances.inc();
      this.tasks?.assign(assignment);
      if (this.state === 'starting' || this.state === 'running') this.transitionTo('rebalancing');
      logger.info({ generation: assignment.generationId, partitions: assignment.partitions.length }, 'joined the group');
    });
    consumer.onCrash((error) => this.fail(error));
    consumer.onMembershipChange?.((membership) => {
      this.rejoining = membership === 'rejoining';
    });
    await this.withStartupRetries('connecting the consumer', () => consumer.connect());
    void consumer.run((batch, controls) => this.onBatch(batch, controls)).catch((error: unknown) => this.fail(error as Error));
    const tickMs = Math.max(10, Math.min(config.commitIntervalMs, 200));
    this.timer = setInterval(() => void this.tick(), tickMs);
    logger.info(
      { applicationId: this.applicationId, guarantee: config.processingGuarantee, commitIntervalMs: config.commitIntervalMs, topics },
      'sluice application started',
    );
  }

  /**
   * Runs a startup step, retrying while the brokers are unreachable (a broker restarting as the instance starts,
   * a cluster not up yet) with backoff, one log line per attempt, for up to STARTUP_RETRY_MS. Errors that are not
   * retriable (a topology or config mismatch, authentication) fail at once.
   */
  private async withStartupRetries<T>(what: string, step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + STARTUP_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const retriable = error instanceof SluiceError && error.retriable;
        if (!retriable || Date.now() >= deadline || this.state !== 'starting') throw error;
        const delayMs = Math.min(10_000, 500 * 2 ** (attempt - 1));
        this.options.logger.warn({ err: error, attempt, retryInMs: delayMs }, `${what} failed; the brokers may not be reachable yet, retrying`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  private async onBatch(batch: InputBatch, controls: BatchControls): Promise<void> {
    await this.lock.run(async () => {
      const tasks = this.tasks;
      if (tasks === undefined || this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return;
      if (!controls.isRunning()) return;
      try {
        if (await tasks.reconcile()) this.afterReconcile();
        await tasks.processBatch(batch, () => controls.isRunning());
      } catch (error) {
        this.handleError(error);
      }
    });
  }

  private async tick(): Promise<void> {
    await this.lock.run(async () => {
      const tasks = this.tasks;
      if (tasks === undefined || this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return;
      try {
        if (await tasks.reconcile()) this.afterReconcile();
        await tasks.tick(Date.now());
      } catch (error) {
        this.handleError(error);
      }
    });
  }

  private afterReconcile(): void {
    if (this.state === 'rebalancing' || this.state === 'starting') this.transitionTo('running');
  }

  private handleError(error: unknown): void {
    if (error instanceof RecordFailedError || error instanceof TopologyError) {
      this.fail(error);
      return;
    }
    if (error instanceof TaskMigratedError) return;
    this.options.logger.error({ err: error }, 'unexpected error in the processing loop');
    this.fail(error as Error);
  }

  /** Stops on a fatal error: nothing more is committed; tasks are closed dirty. */
  private fail(error: Error): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.options.logger.error({ err: error }, `sluice application failed: ${error.message}`);
    this.state = 'failed';
    if (this.timer !== undefined) clearInterval(this.timer);
    this.tasks?.abandonAll();
    void (async () => {
      await this.globals?.stop().catch(() => undefined);
      await this.tasks?.release().catch(() => undefined);
      await this.consumer?.disconnect().catch(() => undefined);
      await this.producer?.disconnect().catch(() => undefined);
      this.settle.reject(error);
    })();
  }

  /**
   * Graceful stop: finish the batch in flight, commit every task, leave the group. Bounded by
   * shutdownTimeoutMs; past it, tasks are closed without committing (the next owner resumes from the last commit).
   */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return this.done.catch(() => undefined);
    this.transitionTo('stopping');
    if (this.timer !== undefined) clearInterval(this.timer);
    const { logger, config } = this.options;
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs).unref());
    const drain = this.lock.run(async () => {
      await this.tasks?.closeAll();
      return 'done' as const;
    });
    const outcome = await Promise.race([drain, deadline]).catch((error: unknown) => {
      logger.warn({ err: error }, 'commit during shutdown failed; the next owner resumes from the last commit');
      return 'failed' as const;
    });
    if (outcome !== 'done') {
      // Tasks are dropped synchronously, so the drain (which may still hold the lock) commits nothing more.
      this.tasks?.abandonAll();
      await this.tasks?.release().catch(() => undefined);
    }
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.globals?.stop().catch(() => undefined);
    this.state = 'stopped';
    logger.info({ outcome }, 'sluice application stopped');
    this.settle.resolve();
  }

  status(): ApplicationStatus {
    const now = Date.now();
    const tasks = this.tasks?.statuses(now) ?? [];
    const inGroup = this.tasks?.hasAssignment() ?? false;
    const globalReason = this.state === 'starting' || this.state === 'running' || this.state === 'rebalancing' ? this.globals?.notReadyReason() : undefined;
    const notReady = globalReason !== undefined
      ? globalReason
      : !inGroup
      ? 'not in the consumer group yet'
      : this.state !== 'running' && this.state !== 'rebalancing'
        ? `application is ${this.state}`
        : this.rejoining
          ? 'the consumer lost its group session on a broker error and is rejoining'
          : this.tasks?.notReadyReason();
    return {
      applicationId: this.applicationId,
      instanceId: this.options.config.instanceId,
      state: this.state,
      inGroup,
      ready: notReady === undefined,
      ...(notReady !== undefined ? { notReadyReason: notReady } : {}),
      startedAtMs: this.startedAtMs,
      tasks,
      ...(this.globals !== undefined ? { globalTables: this.globals.statuses() } : {}),
    };
  }

  /** Subscribes to the records each commit makes visible (see CommittedOutputListener). */
  onCommittedOutput(listener: CommittedOutputListener): () => void {
    this.outputListeners.add(listener);
    return () => {
      this.outputListeners.delete(listener);
    };
  }

  topology(): TopologyDescription {
    return describePlan(this.plan, this.partitions);
  }
}
