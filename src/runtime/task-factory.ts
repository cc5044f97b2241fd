import type { Topology } from '../dsl/define-topology.ts';
import type { StatefulOperatorSpec } from '../dsl/graph.ts';
import type { OutputRecord } from '../kafka/types.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { taskIdFor } from '../planner/names.ts';
import type { Plan, Subtopology } from '../planner/plan.ts';
import type { LateRecord, RecordMetadata } from '../processor/processor.ts';
import { lateOutputRecord } from './late-record.ts';
import { createStatefulProcessor, createStores } from './operators/stateful.ts';
import { RecordErrorHandler, type RecordLogger } from './record-error-handler.ts';
import { Task } from './task.ts';
import { TaskPipeline } from './task-pipeline.ts';
import { createWatermark } from './watermark.ts';
import type { GlobalTableStore } from './global/global-table-store.ts';

/** What building a task needs besides its coordinates. */
export interface TaskFactoryOptions {
  readonly plan: Plan;
  readonly topology: Topology;
  readonly metrics?: Metrics;
  /** Rate-limited warnings for dropped, dead-lettered and late records. */
  readonly recordLog: RecordLogger;
  /** Called for every late record after it was counted (and, with a late topic, queued for it). */
  readonly onLate?: (task: Task, late: LateRecord, source: RecordMetadata, lateTopic: string | undefined) => void;
  /**
   * Event time further ahead of the wall clock than this, or before 1970, is bad input (--max-future-skew-ms).
   * Absent (the test driver, whose clock is its own): any finite event time is accepted.
   */
  readonly maxFutureSkewMs?: number;
  /** The instance's global tables by name, for the sub-topologies that join one. */
  readonly globalTables?: ReadonlyMap<string, GlobalTableStore>;
}

/**
 * Builds one task with fresh state: empty stores, a watermark over its inputs, its operators and error policy.
 * The runtime builds every task here, on a new assignment and when it rebuilds a task after a failed commit,
 * and so does the test driver (src/testing/), so both run the same wiring. The task starts in 'created'; the
 * caller positions it and restores its stores.
 */
export function buildTask(options: TaskFactoryOptions, subtopology: Subtopology, partition: number, nowMs: number): Task {
  const { plan, topology, metrics, recordLog, onLate } = options;
  const id = taskIdFor(subtopology.id, partition);
  const stores = createStores(subtopology, (store) => (plan.changelogTopics.get(store) ?? plan.sourceChangelogs.get(store)) as string);
  const output: OutputRecord[] = [];
  const watermark = createWatermark(topology.options, subtopology.sourceTopics, nowMs);
  const errors = new RecordErrorHandler(topology.options.onError, plan.dlqTopic, id, metrics, recordLog);
  const lateTopicOf = new Map<string, string>();
  const pipeline = new TaskPipeline(plan, subtopology, {
    taskId: id,
    partition,
    output,
    stores,
    watermarkMs: () => watermark.current(),
    reportLate: (late) => {
      // Called only while the task processes, after `task` below is set.
      const owner = task;
      owner.lateRecords++;
      metrics?.lateRecords.inc({ operator: late.operator });
      metrics?.droppedRecords.inc({ reason: 'late' });
      const source = pipeline.currentRecord();
      const lateTopic = lateTopicOf.get(late.operator);
      if (lateTopic !== undefined) output.push(lateOutputRecord(late, source, lateTopic));
      onLate?.(owner, late, source, lateTopic);
    },
    onEmitError: (error, key, value, timestampMs) => errors.handleEmit(error, key, value, timestampMs, output),
    ...(options.globalTables !== undefined ? { globalTables: options.globalTables } : {}),
    ...(options.maxFutureSkewMs !== undefined ? { eventTimeBounds: { maxFutureSkewMs: options.maxFutureSkewMs, nowMs: Date.now } } : {}),
    createStateful: (spec: StatefulOperatorSpec, nodeName: string) => {
      if (spec.lateTopic !== undefined) lateTopicOf.set(nodeName, spec.lateTopic);
      return createStatefulProcessor(spec, nodeName);
    },
  });
  const task: Task = new Task(id, subtopology.id, partition, subtopology.sourceTopics, pipeline, watermark, stores, errors, nowMs, output);
  return task;
}
