/**
 * The stall check on real tasks (built by the task factory) and an Admin answering end offsets: a task is
 * stalled only when its positions have not moved for longer than the timeout while the broker has records
 * past them; it is reported once, and cleared when it moves again.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defineTopology, serdes } from '../../../src/index.ts';
import type { Admin, PartitionOffsets } from '../../../src/kafka/types.ts';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { plan as planTopology } from '../../../src/planner/plan.ts';
import { StallDetector, STALL_CHECK_INTERVAL_MS } from '../../../src/runtime/stall-detector.ts';
import { buildTask } from '../../../src/runtime/task-factory.ts';
import type { Task } from '../../../src/runtime/task.ts';

const topology = defineTopology({ applicationId: 'stall' }, (t) => {
  t.stream('in', { key: serdes.string(), value: serdes.string() }).to('out', { key: serdes.string(), value: serdes.string() });
});

function runningTask(position: string, nowMs: number): Task {
  const plan = planTopology(topology);
  const task = buildTask({ plan, topology, recordLog: { warn: () => {} } }, plan.subtopologies[0] as (typeof plan.subtopologies)[number], 0, nowMs);
  task.setCommittedPosition('in', position);
  task.lifecycle.transitionTo('restoring');
  task.lifecycle.transitionTo('running');
  return task;
}

function adminWithEnd(end: () => string): Admin {
  const offsets = async (): Promise<PartitionOffsets[]> => [{ partition: 0, low: '0', high: end() }];
  return { topicOffsets: offsets } as unknown as Admin;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('StallDetector', () => {
  const setup = () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const metrics = new Metrics({ applicationId: 'stall', version: 'test', defaultMetrics: false });
    return { lines, metrics, detector: new StallDetector(30_000, metrics, logger) };
  };

  it('marks a task that holds input without moving past the timeout, once, and clears it when it moves', async () => {
    const { lines, metrics, detector } = setup();
    const task = runningTask('100', Date.now() - 60_000);
    task.progressAtMs = Date.now() - 60_000;
    const admin = adminWithEnd(() => '250');
    detector.tick(Date.now(), [task], async () => admin);
    await settle();
    expect(task.stall?.reason).toMatch(/in\/0 at 100, broker end 250/);
    expect(task.status(Date.now()).stall).toEqual(task.stall);
    expect((await metrics.registry.getSingleMetric('sluice_task_stalled')?.get())?.values).toEqual([{ labels: { task: '0_0' }, value: 1 }]);
    // Later checks do not log it again.
    detector.tick(Date.now() + STALL_CHECK_INTERVAL_MS + 1, [task], async () => admin);
    await settle();
    expect(lines.filter((l) => l.msg.includes('stalled'))).toHaveLength(1);
    task.progressAtMs = Date.now() + 1;
    detector.tick(Date.now() + 2 * STALL_CHECK_INTERVAL_MS + 2, [task], async () => admin);
    expect(task.stall).toBeNull();
    expect(lines.some((l) => l.msg === 'task 0_0 is moving again')).toBe(true);
  });

  it.each([
    ['caught up (nothing past its position)', '100', 60_000],
    ['moved recently', '250', 5_000],
  ])('leaves a task alone that is %s', async (_name, end, idleMs) => {
    const { detector } = setup();
    const task = runningTask('100', Date.now());
    task.progressAtMs = Date.now() - idleMs;
    detector.tick(Date.now(), [task], async () => adminWithEnd(() => end));
    await settle();
    expect(task.stall).toBeNull();
  });
});
