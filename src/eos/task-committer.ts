import type { OutputRecord, TopicPartitionOffset } from '../kafka/types.ts';

/**
 * Makes one task's pending output and input progress durable together. Exactly-once: one Kafka transaction
 * (output + changelog + offsets). At-least-once: output acknowledged first, offsets committed after.
 */
export interface TaskCommitter {
  /** Whether each commit adds a control marker to every partition it wrote (transactions do; plain sends don't). */
  readonly writesMarkers: boolean;
  /** Initialises what the task needs (its transactional producer: this fences any zombie holding the task). */
  open(): Promise<void>;
  commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[]): Promise<void>;
  close(): Promise<void>;
}
