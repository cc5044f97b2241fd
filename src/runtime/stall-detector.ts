import type { Admin } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Task } from './task.ts';

/** How often running tasks are checked. */
export const STALL_CHECK_INTERVAL_MS = 5_000;

/**
 * Finds tasks that hold input they do not process: running, positions unmoved for longer than the stall
 * timeout, while the broker has records past them. Such a task is marked (its status, `/readyz`), counted in
 * `sluice_task_stalled`, and logged once with its positions and the broker's end offsets; the mark clears when
 * it moves again. Checks run in the background (admin calls) and never overlap.
 */
export class StallDetector {
  private lastCheckMs = 0;
  private checking = false;

  constructor(
    private readonly stallTimeoutMs: number,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Called on every tick; starts a check when one is due. */
  tick(nowMs: number, tasks: readonly Task[], admin: () => Promise<Admin>): void {
    for (const task of tasks) {
      if (task.stall !== null && (task.progressAtMs > task.stall.sinceMs || task.state !== 'running')) this.clear(task);
    }
    if (this.checking || nowMs - this.lastCheckMs < STALL_CHECK_INTERVAL_MS) return;
    this.lastCheckMs = nowMs;
    const suspects = tasks.filter((t) => t.state === 'running' && t.stall === null && nowMs - t.progressAtMs > this.stallTimeoutMs);
    if (suspects.length === 0) return;
    this.checking = true;
    void this.check(suspects, admin)
      .catch((error: unknown) => this.logger.debug({ err: error }, 'stall check failed; will retry'))
      .finally(() => {
        this.checking = false;
      });
  }

  private async check(suspects: readonly Task[], admin: () => Promise<Admin>): Promise<void> {
    const client = await admin();
    const ends = new Map<string, Map<number, string>>();
    for (const task of suspects) {
      const behind: { topic: string; position: string; end: string }[] = [];
      for (const topic of task.inputTopics) {
        let byPartition = ends.get(topic);
        if (byPartition === undefined) {
          byPartition = new Map((await client.topicOffsets(topic)).map((p) => [p.partition, p.high]));
          ends.set(topic, byPartition);
        }
        const end = byPartition.get(task.partition);
        const position = task.position(topic) ?? '0';
        if (end !== undefined && BigInt(end) > BigInt(position)) behind.push({ topic, position, end });
      }
      if (behind.length === 0 || task.state !== 'running' || task.stall !== null) continue;
      const idleS = Math.round((Date.now() - task.progressAtMs) / 1000);
      const reason = `no progress for ${idleS} s with input available: ${behind.map((b) => `${b.topic}/${task.partition} at ${b.position}, broker end ${b.end}`).join('; ')}`;
      task.stall = { sinceMs: task.progressAtMs, reason };
      this.metrics.taskStalled.set({ task: task.id }, 1);
      this.logger.warn({ task: task.id, positions: behind.map((b) => ({ topic: b.topic, partition: task.partition, position: b.position, end: b.end })), idleSeconds: idleS }, `task ${task.id} stalled: ${reason}`);
    }
  }

  private clear(task: Task): void {
    task.stall = null;
    this.metrics.taskStalled.set({ task: task.id }, 0);
    this.logger.info({ task: task.id }, `task ${task.id} is moving again`);
  }
}
