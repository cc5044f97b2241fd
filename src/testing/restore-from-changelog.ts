import { CHECKPOINT_KEY, decodeCheckpoint, isReservedKey, type Checkpoint } from '../eos/checkpoint.ts';
import type { OutputRecord } from '../kafka/types.ts';
import type { Task } from '../runtime/task.ts';

/**
 * Restores a driver task as the runtime restores a rebuilt one (src/runtime/state-restorer.ts): every store
 * from its changelog partition in write order, the watermark from the last checkpoint, then each table read
 * from a topic from that topic's records (in `records`, in offset order) up to the task's position in it
 * (the checkpoint's, else every record given: the driver commits each record it processes). Returns the
 * input positions processing resumes from.
 */
export function restoreTaskFrom(
  task: Task,
  records: readonly OutputRecord[],
  changelogTopics: ReadonlyMap<string, string>,
  sourceChangelogs: ReadonlyMap<string, string> = new Map(),
): Readonly<Record<string, string>> {
  let checkpoint: Checkpoint | undefined;
  for (const store of task.stores.values()) {
    const topic = changelogTopics.get(store.name);
    if (topic === undefined) continue;
    for (const record of records) {
      if (record.topic !== topic || (record.partition ?? 0) !== task.partition || record.key === null) continue;
      if (record.key.equals(CHECKPOINT_KEY)) {
        checkpoint = decodeCheckpoint(record.value) ?? checkpoint;
        continue;
      }
      if (isReservedKey(record.key)) continue;
      store.restore({ key: record.key, value: record.value });
    }
  }
  const positions: Record<string, string> = { ...checkpoint?.offsets };
  if (checkpoint !== undefined) {
    task.watermark.restoreTo(checkpoint.watermarkMs);
    if (checkpoint.inputs !== undefined) task.watermark.restoreInputs(checkpoint.inputs);
  }
  for (const store of task.stores.values()) {
    const topic = sourceChangelogs.get(store.name);
    if (topic === undefined) continue;
    const partitionRecords = records.filter((r) => r.topic === topic && (r.partition ?? 0) === task.partition);
    const upTo = positions[topic] === undefined ? partitionRecords.length : Math.min(partitionRecords.length, Number(positions[topic]));
    for (const record of partitionRecords.slice(0, upTo)) if (record.key !== null) store.restore({ key: record.key, value: record.value });
    positions[topic] = String(upTo);
  }
  for (const [topic, offset] of Object.entries(positions)) task.setCommittedPosition(topic, offset);
  return positions;
}
