import type { GroupConsumer, OutputRecord, Producer, TopicPartitionOffset } from '../kafka/types.ts';
import type { TaskCommitter } from './task-committer.ts';

/**
 * At-least-once: output (and changelog) records are acknowledged by the brokers before the offsets are
 * committed, so a crash can repeat records but never lose them. One producer shared by all tasks.
 */
export class AtLeastOnceCommitter implements TaskCommitter {
  readonly writesMarkers = false;

  constructor(
    private readonly producer: Producer,
    private readonly consumer: GroupConsumer,
  ) {}

  async open(): Promise<void> {}

  async commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (records.length > 0) await this.producer.send(records);
    if (offsets.length > 0) await this.consumer.commitOffsets(offsets);
  }

  async close(): Promise<void> {}
}
