/**
 * One transaction for all tasks of an instance (`eosProducer: 'per-instance'`; docs/shared-producer.md).
 *
 * Each task still commits on its own schedule, through its TaskCommits, but its commit joins the instance's next
 * transaction instead of running one of its own. Commits that arrive while a transaction is in flight wait for the
 * next one, so under load every transaction carries the work of all tasks that were due, and the broker sees one
 * transaction per interval instead of one per task.
 *
 * What keeps it exactly-once (the task's own transactional id no longer fences the task's previous owner):
 *   - the offsets go with the member's group generation (TxnOffsetCommit v3): the coordinator refuses them from a
 *     member the group has moved on from, and the whole transaction aborts;
 *   - a transaction only carries tasks assigned in the generation it sends: a task revoked by the latest
 *     assignment is refused here, before anything of it is sent;
 *   - every transaction carries offsets (a task whose input did not move sends its positions again), so even a
 *     transaction of timer output alone is checked against the generation;
 *   - before the consumer rejoins, the transaction in flight ends (the consumer's rejoin hook), so a rebalance
 *     does not fail it; a task taking over a partition reads its offsets with requireStable, which waits for a
 *     transaction of the old owner still under way.
 * A failed transaction fails every task in it; each is then dropped and built again from committed state (the
 * single recovery path of src/runtime/task-manager.ts).
 */
import { KafkaError, TaskMigratedError } from '../errors/index.ts';
import type { GroupMember, OutputRecord, TopicPartitionOffset, TransactionalProducer } from '../kafka/types.ts';

interface Request {
  readonly taskId: string;
  readonly records: readonly OutputRecord[];
  readonly offsets: readonly TopicPartitionOffset[];
  resolve(): void;
  reject(error: unknown): void;
}

export interface InstanceTransactionOptions {
  readonly producer: TransactionalProducer;
  readonly groupId: string;
  /** The member and the tasks it holds in the latest generation; undefined before the first assignment. */
  readonly membership: () => { readonly member: GroupMember; readonly owns: (taskId: string) => boolean } | undefined;
  /**
   * The producer was fenced: the coordinator aborted a transaction open past its timeout, or another process
   * initialised the same transactional id. The producer is initialised again before the next transaction.
   */
  readonly onFenced: (error: TaskMigratedError) => void;
  /** A transaction committed (with this many task commits in it). */
  readonly onCommitted?: (taskCommits: number) => void;
}

export class InstanceTransaction {
  private pending: Request[] = [];
  private running: Promise<void> | undefined;
  private scheduled = false;
  private connected: Promise<void> | undefined;
  /** Set while the consumer rejoins: nothing new starts until the next assignment (`resume`). */
  private held = false;
  private closed = false;
  /** Transactions committed, and the task commits they carried (for the metrics and the bench). */
  transactions = 0;
  taskCommits = 0;

  constructor(private readonly o: InstanceTransactionOptions) {}

  get transactionalId(): string {
    return this.o.producer.transactionalId;
  }

  /** Initialises the instance's transactional id, once (every task's `open` waits for it). */
  open(): Promise<void> {
    this.connected ??= this.o.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  /** Resolves once this task's records and offsets are committed; rejects when the transaction carrying them failed. */
  commit(taskId: string, records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closed) return Promise.reject(new KafkaError(`the instance transaction ${this.transactionalId} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ taskId, records, offsets, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Before a rejoin: lets the transaction in flight end and commits what is pending in the current generation,
   * then starts nothing until `resume` (the next assignment). Never throws.
   */
  async hold(): Promise<void> {
    this.held = true;
    while (this.running !== undefined || this.scheduled) {
      if (this.running === undefined) this.flushNow(true);
      await this.running?.catch(() => undefined);
    }
  }

  /** After an assignment: commits start again, in the new generation. */
  resume(): void {
    this.held = false;
    if (this.pending.length > 0) this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => undefined);
    for (const request of this.pending.splice(0)) request.reject(new KafkaError(`the instance transaction ${this.transactionalId} is closed`));
    await this.o.producer.disconnect();
  }

  /** Starts the next transaction on a later turn, so every task due in this tick joins it. */
  private schedule(): void {
    if (this.scheduled || this.running !== undefined || this.held) return;
    this.scheduled = true;
    setImmediate(() => this.flushNow(false));
  }

  private flushNow(force: boolean): void {
    this.scheduled = false;
    if (this.running !== undefined || (this.held && !force) || this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    const running = this.run(batch).finally(() => {
      this.running = undefined;
      if (this.pending.length > 0) this.schedule();
    });
    this.running = running;
  }

  private async run(batch: Request[]): Promise<void> {
    const membership = this.o.membership();
    if (membership === undefined) {
      const error = new KafkaError(`the instance transaction ${this.transactionalId} has no group generation yet`, { retriable: true });
      for (const request of batch) request.reject(error);
      return;
    }
    const { member, owns } = membership;
    const carried: Request[] = [];
    for (const request of batch) {
      if (owns(request.taskId)) carried.push(request);
      else request.reject(new KafkaError(`task ${request.taskId} is not assigned to member ${member.memberId} in generation ${member.generationId}; its work is not committed`));
    }
    if (carried.length === 0) return;
    const records = carried.length === 1 ? (carried[0] as Request).records : carried.flatMap((r) => r.records);
    const offsets = carried.flatMap((r) => r.offsets);
    try {
      await this.open();
      const transaction = await this.o.producer.begin();
      try {
        if (records.length > 0) await transaction.send(records);
        if (offsets.length > 0) await transaction.sendOffsets(this.o.groupId, offsets, member);
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (error instanceof TaskMigratedError) {
        this.o.onFenced(error);
        this.connected = undefined;
        await this.open().catch(() => undefined);
      }
      for (const request of carried) request.reject(error);
      return;
    }
    this.transactions += 1;
    this.taskCommits += carried.length;
    this.o.onCommitted?.(carried.length);
    for (const request of carried) request.resolve();
  }
}
