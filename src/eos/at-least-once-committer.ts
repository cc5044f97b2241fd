import type { GroupConsumer, OutputRecord, Producer, TopicPartitionOffset } from '../kafka/types.ts';
import type { TaskCommitter } from './task-committer.ts';

/**
 * At-least-once: output records are acknowledged by the brokers first, then the changelog records (state and
 * checkpoint), then the offsets are committed, so a crash can repeat records but never lose them. The order
 * matters: a send that fails for some partitions may have written others, and a changelog ahead of its output
 * (a window's state deleted, its result never written) would be restored by the rebuild, losing the result.
 * One producer shared by all tasks.
 */
export class AtLeastOnceCommitter implements TaskCommitter {
  readonly writesMarkers = false;

  constructor(
    private readonly producer: Producer,
    private readonly consumer: GroupConsumer,
  ) {}

  async open(): Promise<void> {}

  async commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[], outputRecords = records.length): Promise<void> {
    if (outputRecords > 0) await this.producer.send(outputRecords === records.length ? records : records.slice(0, outputRecords));
    if (records.length > outputRecords) await this.producer.send(records.slice(outputRecords));
    if (offsets.length > 0) await this.consumer.commitOffsets(offsets);
  }

  async close(): Promise<void> {}
}
