import type { OutputRecord, TopicPartitionOffset, TransactionalProducer, TransactionScope } from '../kafka/types.ts';
import type { TaskCommitter } from './task-committer.ts';

/**
 * The exactly-once commit of one task, following these steps every commit interval:
 *   1. begin a transaction on the task's own producer (transactionalId `<applicationId>-<task>`);
 *   2. send all pending output, repartition, changelog, late and dead-letter records in one batch;
 *   3. send the consumer offsets (last processed + 1) to the transaction for the application's group;
 *   4. commit.
 * Any failure aborts (best effort; the broker aborts on its own if we die) and rethrows. A failed commit's
 * outcome may be unknown (EndTxn sent, reply lost): the caller never guesses, it drops the task and builds it
 * again from what Kafka holds (src/runtime/task-manager.ts). A fenced producer surfaces as TaskMigratedError.
 */
export class TransactionalCommitter implements TaskCommitter {
  readonly writesMarkers = true;

  constructor(
    private readonly producer: TransactionalProducer,
    private readonly groupId: string,
  ) {}

  open(scope?: TransactionScope): Promise<void> {
    return this.producer.connect(scope);
  }

  async commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const transaction = await this.producer.begin();
    try {
      if (records.length > 0) await transaction.send(records);
      if (offsets.length > 0) await transaction.sendOffsets(this.groupId, offsets);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
