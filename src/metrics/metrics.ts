import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric sluice exports, in one place. One instance per Application (each with its own registry, so
 * several applications in one process, as in tests, never collide). Labels stay low-cardinality: topic,
 * task, store, operator, reason, result, state; never record keys.
 */
export class Metrics {
  readonly registry: Registry;

  readonly recordsConsumed: Counter<'topic'>;
  readonly recordsProduced: Counter<'topic'>;
  readonly processDuration: Histogram<'task'>;
  readonly commitDuration: Histogram<'task'>;
  readonly commits: Counter<'result'>;
  readonly transactionsCommitted: Counter;
  readonly transactionsAborted: Counter<'reason'>;
  readonly watermark: Gauge<'task'>;
  readonly watermarkLag: Gauge<'task'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly lateRecords: Counter<'operator'>;
  readonly droppedRecords: Counter<'reason'>;
  readonly storeEntries: Gauge<'store' | 'task'>;
  readonly restoreRecords: Counter<'store'>;
  readonly restoreRemaining: Gauge<'store' | 'task'>;
  readonly globalTableLag: Gauge<'store' | 'partition'>;
  readonly rebalances: Counter;
  readonly tasks: Gauge<'state'>;
  readonly taskStalled: Gauge<'task'>;
  readonly taskRebuilds: Counter<'reason'>;
  readonly buildInfo: Gauge<'version' | 'node_version' | 'application'>;

  constructor(options: { applicationId: string; version: string; defaultMetrics?: boolean }) {
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    this.recordsConsumed = new Counter({ name: 'sluice_records_consumed_total', help: 'Records read from Kafka, by topic.', labelNames: ['topic'], registers });
    this.recordsProduced = new Counter({ name: 'sluice_records_produced_total', help: 'Records written to Kafka in committed or pending transactions, by topic.', labelNames: ['topic'], registers });
    this.processDuration = new Histogram({
      name: 'sluice_process_duration_seconds',
      help: 'Time to run one input batch through a task\'s operators.',
      labelNames: ['task'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'sluice_commit_duration_seconds',
      help: 'Time to commit one task transaction (send output, changelog and offsets, then commit).',
      labelNames: ['task'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.commits = new Counter({ name: 'sluice_commits_total', help: 'Task commits by result (committed, aborted, failed).', labelNames: ['result'], registers });
    this.transactionsCommitted = new Counter({
      name: 'sluice_transactions_committed_total',
      help: 'Kafka transactions committed: one per task commit, or one per commit interval for all tasks under --eos-producer per-instance.',
      registers,
    });
    this.transactionsAborted = new Counter({ name: 'sluice_transactions_aborted_total', help: 'Transactions aborted, by reason.', labelNames: ['reason'], registers });
    this.watermark = new Gauge({ name: 'sluice_watermark_timestamp_seconds', help: 'Current event-time watermark of a task, as a Unix timestamp.', labelNames: ['task'], registers });
    this.watermarkLag = new Gauge({ name: 'sluice_watermark_lag_seconds', help: 'Wall clock minus the task watermark.', labelNames: ['task'], registers });
    this.consumerLag = new Gauge({ name: 'sluice_consumer_lag_records', help: 'High watermark minus the next offset to process, per input partition.', labelNames: ['topic', 'partition'], registers });
    this.lateRecords = new Counter({ name: 'sluice_late_records_total', help: 'Records that arrived after their window closed, by operator.', labelNames: ['operator'], registers });
    this.droppedRecords = new Counter({ name: 'sluice_records_dropped_total', help: 'Records not processed, by reason (deserialization, processing, late, dead-letter).', labelNames: ['reason'], registers });
    this.storeEntries = new Gauge({ name: 'sluice_state_store_entries', help: 'Entries in a state store of a task.', labelNames: ['store', 'task'], registers });
    this.restoreRecords = new Counter({
      name: 'sluice_restore_records_total',
      help: 'Records replayed into state stores: from changelogs, from the source topics of tables, and into global tables while they load.',
      labelNames: ['store'],
      registers,
    });
    this.restoreRemaining = new Gauge({
      name: 'sluice_restore_remaining_records',
      help: 'Offsets left to read before a restore is done: per task (changelogs, then tables\' source topics) and per global table partition (task="global-<partition>").',
      labelNames: ['store', 'task'],
      registers,
    });
    this.globalTableLag = new Gauge({
      name: 'sluice_global_table_lag_records',
      help: 'Offsets of a global table\'s topic partition not read yet: last stable offset minus the reader\'s position, as of its latest fetch.',
      labelNames: ['store', 'partition'],
      registers,
    });
    this.rebalances = new Counter({ name: 'sluice_rebalances_total', help: 'Consumer group rebalances this instance took part in.', registers });
    this.tasks = new Gauge({ name: 'sluice_tasks', help: 'Tasks of this instance by lifecycle state.', labelNames: ['state'], registers });
    this.taskStalled = new Gauge({ name: 'sluice_task_stalled', help: '1 while a task holds input it has not processed for longer than the stall timeout.', labelNames: ['task'], registers });
    this.taskRebuilds = new Counter({ name: 'sluice_task_rebuilds_total', help: 'Tasks dropped and built again from committed state, by reason (commit-failed, fenced, build-failed, stale).', labelNames: ['reason'], registers });
    this.buildInfo = new Gauge({ name: 'sluice_build_info', help: 'Always 1; labels carry the sluice and Node.js versions.', labelNames: ['version', 'node_version', 'application'], registers });
    this.buildInfo.set({ version: options.version, node_version: process.versions.node, application: options.applicationId }, 1);
  }
}
