import type { OutputRecord, TopicPartitionOffset } from '../kafka/types.ts';
import type { StateStore } from '../state/state-store.ts';
import { CHECKPOINT_KEY, encodeCheckpoint } from './checkpoint.ts';

/** Everything one commit of one task makes durable together. */
export interface CommitPayload {
  /** Output first (sinks, repartition, late, dead-letter), then changelog records, then the checkpoint. */
  readonly records: OutputRecord[];
  /** How many of `records` are output (the rest go to changelogs). */
  readonly outputRecords: number;
  readonly offsets: readonly TopicPartitionOffset[];
  /** Records written to each changelog topic (in the task's partition), checkpoint included. */
  readonly changelogWrites: ReadonlyMap<string, number>;
  readonly watermarkMs: number;
}

/** What the payload is taken from: a task's pending work and stores. */
export interface PendingSource {
  readonly partition: number;
  readonly stores: ReadonlyMap<string, StateStore>;
  /** Takes the pending output and positions; a commit is due again a commit interval after `nowMs`. */
  takePending(nowMs: number): { records: OutputRecord[]; offsets: readonly TopicPartitionOffset[] };
  readonly watermark: { current(): number; inputMaxima?(): Readonly<Record<string, number>> };
}

/**
 * Takes a task's pending work for one commit, synchronously: its output, every store's changes coalesced to the
 * last value per key (tombstones for deletes), and, for a task with state, the checkpoint record (watermark +
 * positions) in its first store's changelog (stores whose changelog is a source topic are skipped). The task's buffers are empty afterwards, so it can go on
 * processing while the commit is in flight.
 */
export function takeCommitPayload(task: PendingSource, changelogTopicOf: (store: string) => string | undefined, nowMs: number): CommitPayload {
  const { records, offsets } = task.takePending(nowMs);
  const outputRecords = records.length;
  const changelogWrites = new Map<string, number>();
  let checkpointTopic: string | undefined;
  for (const store of task.stores.values()) {
    const topic = changelogTopicOf(store.name);
    // A table's store has its source topic as changelog: nothing to write, and no place for the checkpoint.
    if (topic === undefined) continue;
    checkpointTopic ??= topic;
    if (!store.hasChanges()) continue;
    let n = 0;
    for (const change of store.drainChanges()) {
      records.push({ topic, partition: task.partition, key: change.key, value: change.value, timestampMs: nowMs });
      n++;
    }
    changelogWrites.set(topic, n);
  }
  const watermarkMs = task.watermark.current();
  if (checkpointTopic !== undefined) {
    const positions: Record<string, string> = {};
    for (const { topic, offset } of offsets) positions[topic] = offset;
    records.push({ topic: checkpointTopic, partition: task.partition, key: CHECKPOINT_KEY, value: encodeCheckpoint({ watermarkMs, offsets: positions, ...inputsOf(task) }), timestampMs: nowMs });
    changelogWrites.set(checkpointTopic, (changelogWrites.get(checkpointTopic) ?? 0) + 1);
  }
  return { records, outputRecords, offsets, changelogWrites, watermarkMs };
}

function inputsOf(task: PendingSource): { inputs?: Readonly<Record<string, number>> } {
  const inputs = task.watermark.inputMaxima?.();
  return inputs === undefined ? {} : { inputs };
}
