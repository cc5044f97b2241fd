import type { Admin } from '../kafka/types.ts';
import type { Task } from './task.ts';

/** How long a kept task waits for its own last commit's markers to reach the changelog end. */
const MARKER_WAIT_MS = 5_000;
const MARKER_POLL_MS = 100;

/**
 * Whether a task kept across a rebalance may keep its in-memory state (DESIGN.md, rebalances): nobody else
 * committed for it while it was ours to keep. Two facts, both from the broker:
 *   - each changelog partition ends exactly where this task's own writes since its restore put it (every
 *     commit of a stateful task writes its checkpoint, so any other owner's commit moves the end);
 *   - the group's committed offset of each input partition is not ahead of the task's own.
 * A changelog end below the expected one is our last commit's marker not written yet: polled briefly, then
 * judged stale (a rebuild is always safe).
 */
export async function keptTaskIsCurrent(admin: Admin, groupId: string, task: Task, changelogEnds: ReadonlyMap<string, bigint>): Promise<boolean> {
  for (const topic of task.inputTopics) {
    const committed = BigInt((await admin.committedOffsets(groupId, topic)).get(task.partition) ?? '-1');
    if (committed > BigInt(task.committedPosition(topic) ?? '-1')) return false;
  }
  for (const [topic, expected] of changelogEnds) {
    const deadline = Date.now() + MARKER_WAIT_MS;
    for (;;) {
      const end = (await admin.topicOffsets(topic)).find((p) => p.partition === task.partition);
      const actual = BigInt(end?.high ?? '-1');
      if (actual === expected) break;
      if (actual > expected || Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, MARKER_POLL_MS));
    }
  }
  return true;
}
