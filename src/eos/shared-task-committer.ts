import type { OutputRecord, TopicPartitionOffset } from '../kafka/types.ts';
import type { InstanceTransaction } from './instance-transaction.ts';
import type { TaskCommitter } from './task-committer.ts';

/**
 * A task's commits through the instance's shared transaction (src/eos/instance-transaction.ts). A commit whose
 * input did not move (timer or idle output only) sends the task's committed positions again, so the
 * coordinator checks the member's generation on every transaction that carries the task's output.
 */
export class SharedTaskCommitter implements TaskCommitter {
  readonly writesMarkers = true;

  constructor(
    private readonly taskId: string,
    private readonly transaction: InstanceTransaction,
    /** The task's committed positions, by input topic. */
    private readonly positions: () => readonly TopicPartitionOffset[],
  ) {}

  /** The instance's transactional id is initialised once; the task's previous owner is fenced by the group. */
  open(): Promise<void> {
    return this.transaction.open();
  }

  commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.transaction.commit(this.taskId, records, offsets.length > 0 ? offsets : this.positions());
  }

  /** Nothing of its own to release: the instance transaction outlives its tasks. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
