import type { OutputRecord, TopicPartitionOffset, TransactionScope } from '../kafka/types.ts';

/**
 * Makes one task's pending output and input progress durable together. Exactly-once: one Kafka transaction
 * (output + changelog + offsets). At-least-once: output acknowledged first, offsets committed after.
 */
export interface TaskCommitter {
  /** Whether each commit adds a control marker to every partition it wrote (transactions do; plain sends don't). */
  readonly writesMarkers: boolean;
  /**
   * Initialises what the task needs (its transactional producer: this fences any zombie holding the task, and with
   * `scope` first aborts what earlier producers of the task left open on those partitions; TransactionalProducer).
   */
  open(scope?: TransactionScope): Promise<void>;
  /** `records`: output first (its first `outputRecords`), then changelog records. */
  commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[], outputRecords?: number): Promise<void>;
  close(): Promise<void>;
}
