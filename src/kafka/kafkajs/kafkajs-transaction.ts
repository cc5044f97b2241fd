/**
 * One open transaction of a KafkajsTransactionalProducer (on either ProducerSession). Any failure leaves the
 * transaction `failed` and tells the producer, which replaces its producer session before the next transaction (kafkajs's own transaction
 * manager can stay stuck after a failed commit). A transaction outlived by its producer's reset is dead.
 */
import { KafkaError, TaskMigratedError, type SluiceError } from '../../errors/index.ts';
import type { GroupMember, OutputRecord, TopicPartitionOffset, Transaction } from '../types.ts';
import { hasErrorType, toProducerError } from '../client-errors.ts';
import type { TransactionSession } from './producer-session.ts';
import { retryRequest, type RetryPolicy } from './retry-request.ts';

type TransactionState = 'open' | 'committing' | 'committed' | 'aborted' | 'failed';

/** What a transaction needs from its producer. */
export interface TransactionOwner {
  readonly transactionalId: string;
  /** False once the producer replaced the kafkajs producer this transaction runs on (which aborted it). */
  isCurrent(): boolean;
  /** The transaction ended well; the producer may begin another. */
  ended(): void;
  /** The transaction failed with this (already wrapped) error; the producer must not reuse its kafkajs producer. */
  failed(error: SluiceError): void;
  /**
   * Ends a transaction kafkajs can no longer abort: a new producer with the same transactional id makes the
   * coordinator abort it. A no-op when the producer was fenced (the newer owner's initialisation aborted it).
   */
  abandon(): Promise<void>;
}

/** Errors after which the same call succeeds once the coordinator has caught up (e.g. a commit in progress). */
const RETRIABLE_OFFSET_ERRORS = [
  'CONCURRENT_TRANSACTIONS',
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
];
const OFFSET_RETRY: RetryPolicy = { attempts: 8, backoffMs: 20, retriable: (error) => hasErrorType(error, ...RETRIABLE_OFFSET_ERRORS) };

export class KafkajsTransaction implements Transaction {
  private state: TransactionState = 'open';
  private failure: SluiceError | undefined;

  constructor(
    private readonly owner: TransactionOwner,
    private readonly tx: TransactionSession,
  ) {}

  private guard(action: string): void {
    if (this.state === 'open' && !this.owner.isCurrent()) this.state = 'aborted';
    if (this.state !== 'open') {
      const message = `cannot ${action}: transaction of ${this.owner.transactionalId} is ${this.state}`;
      // Once fenced, every call says so.
      if (this.failure instanceof TaskMigratedError) throw new TaskMigratedError(message, { cause: this.failure });
      throw new KafkaError(message, { cause: this.failure });
    }
  }

  private fail(error: unknown, what: string): SluiceError {
    const wrapped = toProducerError(error, `${what} in transaction of ${this.owner.transactionalId}`);
    this.state = 'failed';
    this.failure = wrapped;
    this.owner.failed(wrapped);
    return wrapped;
  }

  /** Writes the records (acks all) into the transaction. */
  async send(records: readonly OutputRecord[]): Promise<void> {
    this.guard('send');
    if (records.length === 0) return;
    try {
      await this.tx.send(records);
    } catch (error) {
      throw this.fail(error, `sending ${records.length} records`);
    }
  }

  /** Adds the group's offsets to the transaction; they become the group's committed offsets only on commit. */
  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], member?: GroupMember): Promise<void> {
    this.guard('send offsets');
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partition, offset });
      byTopic.set(topic, partitions);
    }
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    // kafkajs retries CONCURRENT_TRANSACTIONS on sends but not on AddOffsetsToTxn, which a transaction holding only
    // offsets, begun right after a commit, runs into while the previous commit's markers are being written.
    try {
      await retryRequest(OFFSET_RETRY, () => this.tx.sendOffsets(groupId, topics, member));
    } catch (error) {
      throw this.fail(error, `sending offsets of group ${groupId}`);
    }
  }

  /**
   * Commits. On failure the outcome is unknown to the caller (the coordinator may have committed before a lost
   * response): the transaction is `failed`, and the caller aborts and re-reads its committed offsets.
   */
  async commit(): Promise<void> {
    this.guard('commit');
    this.state = 'committing';
    try {
      await this.tx.commit();
    } catch (error) {
      throw this.fail(error, 'committing');
    }
    this.state = 'committed';
    this.owner.ended();
  }

  /**
   * Aborts: the records sent are never visible to read_committed readers. After a failure (including a failed
   * commit, after which kafkajs refuses to abort) the producer is replaced at once, which makes the coordinator
   * abort the transaction. Resolves without doing anything when already aborted or when the producer was fenced.
   */
  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    if (!this.owner.isCurrent() && this.state !== 'committed') {
      this.state = 'aborted';
      return;
    }
    if (this.state === 'committed' || this.state === 'committing') {
      throw new KafkaError(`cannot abort: transaction of ${this.owner.transactionalId} is ${this.state}`);
    }
    if (this.state === 'open') {
      try {
        await this.tx.abort();
        this.state = 'aborted';
        this.owner.ended();
        return;
      } catch (error) {
        this.fail(error, 'aborting');
      }
    }
    await this.owner.abandon();
    this.state = 'aborted';
  }
}
