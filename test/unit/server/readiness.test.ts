import { describe, expect, it } from 'vitest';
import type { ApplicationStatus, TaskStatus } from '../../../src/runtime/status.ts';
import { readinessReport } from '../../../src/server/readiness.ts';

function task(id: string, state: TaskStatus['state'], restoreProgress = 1): TaskStatus {
  return {
    id, subtopology: 0, partition: 0, state, restoreProgress, watermarkMs: null, consumerLag: null, recordsInPerSec: 0,
    recordsOutPerSec: 0, lateRecords: 0, droppedRecords: 0, lastCommitDurationMs: null, stores: [],
  };
}

function status(overrides: Partial<ApplicationStatus>): ApplicationStatus {
  return { applicationId: 'app', instanceId: 'i-1', state: 'running', inGroup: true, ready: true, startedAtMs: 0, tasks: [], ...overrides };
}

describe('readinessReport', () => {
  it.each<[string, Partial<ApplicationStatus>, 'ready' | 'not_ready', string[]]>([
    ['ready', { tasks: [task('0_0', 'running')] }, 'ready', []],
    ['out of the group', { state: 'rebalancing', inGroup: false, ready: false }, 'not_ready', ['not in consumer group app (state rebalancing)']],
    [
      'restoring',
      { ready: false, tasks: [task('0_0', 'running'), task('0_1', 'restoring', 0.4567), task('0_2', 'created', 0)] },
      'not_ready',
      ['task 0_1 is restoring its state (45.6%)', 'task 0_2 not started yet'],
    ],
    ['failed', { state: 'failed', inGroup: false, ready: false }, 'not_ready', ['application is failed', 'not in consumer group app (state failed)']],
    [
      'restoring a global table before joining the group',
      {
        state: 'starting',
        inGroup: false,
        ready: false,
        globalTables: [
          { name: 'customers', topic: 'customers-topic', state: 'restoring', entries: 10, restoredPartitions: 1, partitions: 3 },
          { name: 'rates', topic: 'rates', state: 'following', entries: 4, restoredPartitions: 1, partitions: 1 },
        ],
      },
      'not_ready',
      [
        'restoring global table customers from customers-topic (1 of 3 partitions at their end offsets); the instance joins its group after that',
        'not in consumer group app (state starting)',
      ],
    ],
    [
      'loading a global table, with offsets, rate and time left',
      {
        state: 'starting',
        inGroup: false,
        ready: false,
        globalTables: [{
          name: 'customers', topic: 'customers-topic', state: 'restoring', entries: 10, restoredPartitions: 2, partitions: 3, lag: null,
          restore: { totalOffsets: 50_000, readOffsets: 20_000, records: 19_990, offsetsPerSec: 4_000.4, etaMs: 7_500, durationMs: null },
        }],
      },
      'not_ready',
      [
        'restoring global table customers from customers-topic (2 of 3 partitions at their end offsets, 20000 of 50000 offsets read, 4000 offsets/s, about 8 s left); the instance joins its group after that',
        'not in consumer group app (state starting)',
      ],
    ],
    [
      'restoring a table from its source topic',
      {
        ready: false,
        tasks: [{
          ...task('0_3', 'restoring', 0.25),
          restore: {
            phase: 'source-topics', totalOffsets: 400, readOffsets: 100, records: 100, offsetsPerSec: null, etaMs: null,
            stores: [{ store: 'prices-store', topic: 'prices', partition: 3, source: 'source-topic', totalOffsets: 400, readOffsets: 100, records: 100 }],
          },
        }],
      },
      'not_ready',
      ['task 0_3 is restoring its state (25%): table prices-store from prices partition 3: 100 of 400 offsets read'],
    ],
    [
      'restoring two changelogs, one done',
      {
        ready: false,
        tasks: [{
          ...task('1_0', 'restoring', 0.75),
          restore: {
            phase: 'changelogs', totalOffsets: 200, readOffsets: 150, records: 150, offsetsPerSec: 50, etaMs: 1_000,
            stores: [
              { store: 'a', topic: 'app-a-changelog', partition: 0, source: 'changelog', totalOffsets: 100, readOffsets: 100, records: 100 },
              { store: 'b', topic: 'app-b-changelog', partition: 0, source: 'changelog', totalOffsets: 100, readOffsets: 50, records: 50 },
            ],
          },
        }],
      },
      'not_ready',
      ['task 1_0 is restoring its state (75%): changelog b from app-b-changelog partition 0: 150 of 200 offsets read, 50 offsets/s, about 1 s left'],
    ],
    ['not ready without a visible reason', { ready: false }, 'not_ready', ['application is running and not ready']],
  ])('%s', (_name, overrides, expected, reasons) => {
    const report = readinessReport(status(overrides));
    expect(report.status).toBe(expected);
    expect(report.reasons).toEqual(reasons);
  });

  it('lists restoring tasks with clamped progress', () => {
    const report = readinessReport(status({ ready: false, tasks: [task('1_0', 'restoring', 1.7), task('1_1', 'restoring', Number.NaN)] }));
    expect(report.restoring).toEqual([{ task: '1_0', progress: 1 }, { task: '1_1', progress: 0 }]);
  });

  it('lists the global tables still loading, and none once they follow their topics', () => {
    const loading = readinessReport(status({
      state: 'starting', inGroup: false, ready: false,
      globalTables: [
        { name: 'rates', topic: 'rates', state: 'following', entries: 4, restoredPartitions: 1, partitions: 1 },
        { name: 'customers', topic: 'customers', state: 'restoring', entries: 0, restoredPartitions: 0, partitions: 3, restore: null, lag: null },
      ],
    }));
    expect(loading.globalTables).toEqual([
      { name: 'customers', topic: 'customers', state: 'restoring', partitions: 3, restoredPartitions: 0, totalOffsets: null, readOffsets: null, offsetsPerSec: null, etaMs: null },
    ]);
    const ready = readinessReport(status({ globalTables: [{ name: 'rates', topic: 'rates', state: 'following', entries: 4, restoredPartitions: 1, partitions: 1 }] }));
    expect(ready).toMatchObject({ status: 'ready', globalTables: [] });
  });
});
