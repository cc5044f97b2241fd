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
});
