import type { TopologyDescription } from '../../src/planner/description.ts';
import type { ApplicationState, ApplicationStatus, StatusSource, TaskStatus } from '../../src/runtime/status.ts';

/**
 * A StatusSource that plays the life of a small application without Kafka: out of the group first, then
 * in the group with tasks restoring (progress rising), then running with watermarks that follow the clock
 * and counters that grow. For the dashboard's browser check, not a claim about how the runtime behaves.
 */
export interface FakeApplication extends StatusSource {
  /** Ends restoration now: every task running, the instance ready. */
  finishRestore(): void;
}

export interface FakeApplicationOptions {
  readonly applicationId?: string;
  readonly partitions?: number;
  /** Time out of the group before the first assignment. */
  readonly joinAfterMs?: number;
  /** Time each task spends restoring after the assignment. */
  readonly restoreMs?: number;
  readonly now?: () => number;
}

export function fakeTopology(applicationId: string, partitions: number): TopologyDescription {
  const changelog = `${applicationId}-clicks-per-page-changelog`;
  const repartition = `${applicationId}-clicks-by-page-repartition`;
  return {
    applicationId,
    subtopologies: [
      {
        id: 0,
        sourceTopics: ['clicks'],
        sinkTopics: [repartition],
        partitions,
        operators: [
          { name: 'clicks-source', kind: 'source', children: ['parse-click'] },
          { name: 'parse-click', kind: 'mapValues', children: ['only-humans'] },
          { name: 'only-humans', kind: 'filter', children: ['by-page'] },
          { name: 'by-page', kind: 'selectKey', children: ['by-page-sink'] },
          { name: 'by-page-sink', kind: 'repartition', children: [] },
        ],
        stores: [],
      },
      {
        id: 1,
        sourceTopics: [repartition],
        sinkTopics: ['clicks-per-page', `${applicationId}-late`],
        partitions,
        operators: [
          { name: 'by-page-source', kind: 'source', children: ['clicks-per-page'] },
          { name: 'clicks-per-page', kind: 'windowedCount', children: ['to-string', 'late-records'] },
          { name: 'to-string', kind: 'mapValues', children: ['clicks-per-page-sink'] },
          { name: 'clicks-per-page-sink', kind: 'sink', children: [] },
          { name: 'late-records', kind: 'lateSink', children: [] },
        ],
        stores: ['clicks-per-page'],
      },
    ],
    topics: [
      { name: 'clicks', role: 'source', partitions: null, internal: false, config: {} },
      { name: repartition, role: 'repartition', partitions, internal: true, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } },
      { name: changelog, role: 'changelog', partitions, internal: true, config: { 'cleanup.policy': 'compact' } },
      { name: 'clicks-per-page', role: 'sink', partitions: null, internal: false, config: {} },
      { name: `${applicationId}-late`, role: 'late', partitions: null, internal: false, config: {} },
    ],
    transactionalIds: Array.from({ length: partitions * 2 }, (_, i) => `${applicationId}-${Math.floor(i / partitions)}_${i % partitions}`),
  };
}

export function createFakeApplication(options: FakeApplicationOptions = {}): FakeApplication {
  const applicationId = options.applicationId ?? 'clickstream';
  const partitions = options.partitions ?? 3;
  const joinAfterMs = options.joinAfterMs ?? 1_500;
  const restoreMs = options.restoreMs ?? 6_000;
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  const topology = fakeTopology(applicationId, partitions);
  let restoredEarly = false;

  const taskIds: Array<{ id: string; subtopology: number; partition: number }> = [];
  for (const sub of [0, 1]) for (let p = 0; p < partitions; p++) taskIds.push({ id: `${sub}_${p}`, subtopology: sub, partition: p });

  return {
    topology: () => topology,
    finishRestore: () => {
      restoredEarly = true;
    },
    status: (): ApplicationStatus => {
      const nowMs = now();
      const sinceJoinMs = nowMs - startedAtMs - joinAfterMs;
      const inGroup = restoredEarly || sinceJoinMs >= 0;
      const tasks: TaskStatus[] = [];
      if (inGroup) {
        for (const [index, t] of taskIds.entries()) {
          // Stateless tasks (sub-topology 0) have nothing to restore; stateful ones finish one after another.
          const restoreFor = t.subtopology === 0 ? 0 : restoreMs * (0.6 + 0.2 * t.partition);
          const progress = restoredEarly || restoreFor === 0 ? 1 : Math.min(1, Math.max(0, sinceJoinMs) / restoreFor);
          const running = progress >= 1;
          const runningForSec = running ? Math.max(0, (restoredEarly ? nowMs - startedAtMs : sinceJoinMs - restoreFor) / 1000) : 0;
          const inRate = running ? 180 + 40 * Math.sin(nowMs / 3000 + index) + 15 * t.partition : 0;
          tasks.push({
            id: t.id,
            subtopology: t.subtopology,
            partition: t.partition,
            state: running ? 'running' : 'restoring',
            restoreProgress: progress,
            watermarkMs: running ? nowMs - 5_000 - 700 * t.partition - (nowMs % 1000) : t.subtopology === 1 ? startedAtMs - 3_600_000 : null,
            consumerLag: running ? Math.round(20 + 30 * Math.abs(Math.sin(nowMs / 2000 + index))) : 12_000 + 1000 * t.partition,
            recordsInPerSec: inRate,
            recordsOutPerSec: t.subtopology === 0 ? inRate * 0.93 : inRate / 60,
            lateRecords: t.subtopology === 1 ? Math.floor(runningForSec * 0.4) + t.partition : 0,
            droppedRecords: t.subtopology === 0 && t.partition === 1 ? 2 + Math.floor(runningForSec / 7) : 0,
            lastCommitDurationMs: running ? 8 + ((nowMs / 100 + index * 7) % 14) : null,
            stores: t.subtopology === 1 ? [{ name: 'clicks-per-page', entries: 1_200 + 37 * t.partition + Math.floor(runningForSec * 3) }] : [],
          });
        }
      }
      const ready = inGroup && tasks.every((t) => t.state === 'running');
      const state: ApplicationState = !inGroup ? 'rebalancing' : 'running';
      return { applicationId, instanceId: `${applicationId}-7d9f8c6b5-x2k4q`, state, inGroup, ready, startedAtMs, tasks };
    },
  };
}
