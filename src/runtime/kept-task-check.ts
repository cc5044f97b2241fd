import type { Admin } from '../kafka/types.ts';
import type { Task } from './task.ts';

/** How long kept tasks wait for their own last commit's markers to reach the changelog ends. */
const MARKER_WAIT_MS = 5_000;
const MARKER_POLL_MS = 100;

/** A task kept across a rebalance, with the changelog end offset each of its changelog partitions should have. */
export interface KeptTask {
  readonly task: Task;
  readonly changelogEnds: ReadonlyMap<string, bigint>;
}

/**
 * Which tasks kept across a rebalance may keep their in-memory state (DESIGN.md, rebalances): nobody else
 * committed for them while they were ours to keep. Two facts, both from the broker:
 *   - each changelog partition ends exactly where the task's own writes since its restore put it (every
 *     commit of a stateful task writes its checkpoint, so any other owner's commit moves the end);
 *   - the group's committed offset of each input partition is not ahead of the task's own.
 * A changelog end below the expected one is the task's last commit's marker not written yet: polled briefly,
 * then judged stale (a rebuild is always safe).
 *
 * With `requireStable` (one transaction per instance, where another owner's commit is not fenced by the task's own
 * transactional id) the offsets read waits for a transaction still holding offsets of the group.
 *
 * All kept tasks are checked together: one offsets request per input topic and one end-offsets request per
 * changelog topic and poll, whatever the number of tasks (an instance may keep a hundred tasks).
 */
export async function currentKeptTasks(admin: Admin, groupId: string, kept: readonly KeptTask[], options: { readonly requireStable?: boolean } = {}): Promise<Set<Task>> {
  const current = new Set<Task>(kept.map((k) => k.task));
  const inputTopics = [...new Set(kept.flatMap((k) => k.task.inputTopics))];
  const committed = new Map(await Promise.all(inputTopics.map(async (topic) => [topic, await admin.committedOffsets(groupId, topic, options)] as const)));
  for (const { task } of kept) {
    for (const topic of task.inputTopics) {
      const offset = BigInt(committed.get(topic)?.get(task.partition) ?? '-1');
      if (offset > BigInt(task.committedPosition(topic) ?? '-1')) current.delete(task);
    }
  }

  // (task, changelog topic) pairs still to confirm.
  let waiting = kept.filter((k) => current.has(k.task)).flatMap((k) => [...k.changelogEnds].map(([topic, expected]) => ({ task: k.task, topic, expected })));
  const deadline = Date.now() + MARKER_WAIT_MS;
  while (waiting.length > 0) {
    const topics = [...new Set(waiting.map((w) => w.topic))];
    const ends = new Map(
      await Promise.all(topics.map(async (topic) => [topic, new Map((await admin.topicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]))] as const)),
    );
    const timedOut = Date.now() >= deadline;
    waiting = waiting.filter(({ task, topic, expected }) => {
      if (!current.has(task)) return false;
      const actual = ends.get(topic)?.get(task.partition) ?? -1n;
      if (actual === expected) return false;
      if (actual > expected || timedOut) {
        current.delete(task);
        return false;
      }
      return true;
    });
    if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, MARKER_POLL_MS));
  }
  return current;
}
