import { CHECKPOINT_KEY, decodeCheckpoint, isReservedKey, type Checkpoint } from '../eos/checkpoint.ts';
import type { OutputRecord } from '../kafka/types.ts';
import type { Task } from '../runtime/task.ts';

/**
 * Restores a driver task as the runtime restores a rebuilt one (src/runtime/state-restorer.ts): every store
 * from its changelog partition in write order, the watermark from the last checkpoint. Returns the input
 * positions of that checkpoint, where processing resumes.
 */
export function restoreTaskFrom(task: Task, records: readonly OutputRecord[], changelogTopics: ReadonlyMap<string, string>): Readonly<Record<string, string>> {
  let checkpoint: Checkpoint | undefined;
  for (const store of task.stores.values()) {
    const topic = changelogTopics.get(store.name);
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
  if (checkpoint === undefined) return {};
  task.watermark.restoreTo(checkpoint.watermarkMs);
  if (checkpoint.inputs !== undefined) task.watermark.restoreInputs(checkpoint.inputs);
  for (const [topic, offset] of Object.entries(checkpoint.offsets)) task.setCommittedPosition(topic, offset);
  return checkpoint.offsets;
}
