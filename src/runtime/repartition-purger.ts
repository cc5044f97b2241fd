import type { Admin } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { Task } from './task.ts';

/** How often consumed repartition records are deleted (as Kafka Streams purges repartition topics). */
export const PURGE_INTERVAL_MS = 30_000;

/**
 * Repartition topics keep records forever by retention (their timestamps are event times, possibly old), so
 * records every owning task has committed past are deleted, below each task's committed position.
 */
export async function purgeRepartitionTopics(admin: Admin, tasks: Iterable<Task>, repartitionTopics: ReadonlySet<string>, logger: Logger): Promise<void> {
  if (repartitionTopics.size === 0) return;
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const task of tasks) {
    if (!task.hasCommitted) continue;
    for (const topic of task.inputTopics) {
      const offset = task.committedPosition(topic);
      if (!repartitionTopics.has(topic) || offset === undefined) continue;
      const list = byTopic.get(topic) ?? [];
      list.push({ partition: task.partition, offset });
      byTopic.set(topic, list);
    }
  }
  try {
    for (const [topic, partitions] of byTopic) await admin.deleteRecordsBefore(topic, partitions);
  } catch (error) {
    logger.warn({ err: error }, 'could not purge consumed repartition records; will retry');
  }
}
