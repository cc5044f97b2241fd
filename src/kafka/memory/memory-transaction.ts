/**
 * One open transaction of a MemoryTransactionalProducer, following KafkajsTransaction call for call: any
 * failure leaves it `failed` and tells the producer, which re-initialises its transactional id before the next
 * transaction (that re-initialisation aborts whatever the failed transaction left open on the coordinator).
 * Every call takes one event-loop turn, as a request would, and checks the producer's epoch when it "arrives".
 */
import { KafkaError, TaskMigratedError, type ErrorContext, type SluiceError } from '../../errors/index.ts';
import { toProducerError } from '../client-errors.ts';
import type { OutputRecord, TopicPartitionOffset, Transaction, GroupMember } from '../types.ts';
import { MemoryBrokerError } from './broker-error.ts';
import type { ClientLink } from './client-link.ts';
import type { FaultApi, FaultCall, FaultKind } from './faults.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { writeRecords } from './record-writer.ts';
import { nextTurn } from './signal.ts';

type TransactionState = 'open' | 'committing' | 'committed' | 'aborted' | 'failed';

/** What a transaction needs from its producer. */
export interface MemoryTransactionOwner {
  readonly transactionalId: string;
  readonly clientId: string;
  readonly link: ClientLink;
  /** The epoch the producer got when it initialised; the coordinator refuses calls from older epochs. */
  readonly epoch: number;
  readonly transactionTimeoutMs: number;
  readonly keyless: { next: number };
  /** False once the producer re-initialised or disconnected after this transaction began. */
  isCurrent(): boolean;
  ended(): void;
  failed(error: SluiceError): void;
  /** Re-initialises the id (aborting what this transaction left open); a no-op when the producer was fenced. */
  abandon(): Promise<void>;
}

export class MemoryTransaction implements Transaction {
  private state: TransactionState = 'open';
  private failure: SluiceError | undefined;
  /** Whether anything reached the coordinator (records or offsets): an empty transaction ends without a request. */
  private touched = false;
  private sentRecords = false;

  constructor(
    private readonly owner: MemoryTransactionOwner,
    private readonly cluster: MemoryKafka,
  ) {}

  private guard(action: string): void {
    if (this.state === 'open' && !this.owner.isCurrent()) this.state = 'aborted';
    if (this.state !== 'open') {
      const message = `cannot ${action}: transaction of ${this.owner.transactionalId} is ${this.state}`;
      if (this.failure instanceof TaskMigratedError) throw new TaskMigratedError(message, { cause: this.failure });
      throw new KafkaError(message, { cause: this.failure });
    }
  }

  private fail(error: unknown, what: string, context: ErrorContext = {}): SluiceError {
    const wrapped = toProducerError(error, `${what} in transaction of ${this.owner.transactionalId}`, context);
    this.state = 'failed';
    this.failure = wrapped;
    this.owner.failed(wrapped);
    return wrapped;
  }

  private call(api: FaultApi): FaultCall {
    return { api, clientId: this.owner.clientId, transactionalId: this.owner.transactionalId };
  }

  private hit(kind: FaultKind, api: FaultApi): boolean {
    return this.cluster.faults.take(kind, this.call(api)) !== undefined;
  }

  /** The "another producer initialised in between" fault: only once records were sent. */
  private maybeFencedNow(api: FaultApi): void {
    if (this.sentRecords && this.hit('fenced-mid-transaction', api)) this.cluster.fence(this.owner.transactionalId);
  }

  async send(records: readonly OutputRecord[]): Promise<void> {
    this.guard('send');
    if (records.length === 0) return;
    await nextTurn();
    this.guard('send');
    const what = `sending ${records.length} records`;
    const { transactions } = this.cluster;
    try {
      this.owner.link.check();
      const txn = transactions.openFor(this.owner.transactionalId, this.owner.epoch, this.owner.transactionTimeoutMs);
      this.touched = true;
      const { appended, failure } = writeRecords(this.cluster, records, {
        clientId: this.owner.clientId,
        transactionalId: this.owner.transactionalId,
        txn,
        keyless: this.owner.keyless,
      });
      if (appended > 0) this.sentRecords = true;
      if (failure !== undefined) throw this.fail(failure.error, what, { topic: failure.topic, partition: failure.partition });
    } catch (error) {
      if (this.state === 'failed') throw error;
      throw this.fail(error, what);
    }
  }

  /** Adds the group's offsets to the transaction; they become the group's committed offsets only on commit. */
  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], member?: GroupMember): Promise<void> {
    this.guard('send offsets');
    if (offsets.length === 0) return;
    await nextTurn();
    this.guard('send offsets');
    try {
      this.owner.link.check();
      this.maybeFencedNow('sendOffsets');
      if (this.hit('coordinator-unavailable', 'sendOffsets')) {
        throw new MemoryBrokerError('COORDINATOR_NOT_AVAILABLE', `the coordinator of group ${groupId} is not available (injected fault)`, { injected: true });
      }
      if (member !== undefined && !this.cluster.group(groupId).acceptsTransactionalCommit(member.memberId, member.generationId)) {
        throw new MemoryBrokerError('ILLEGAL_GENERATION', `group ${groupId} is past generation ${member.generationId} of member ${member.memberId}`);
      }
      const txn = this.cluster.transactions.openFor(this.owner.transactionalId, this.owner.epoch, this.owner.transactionTimeoutMs);
      this.touched = true;
      txn.addOffsets(groupId, offsets);
    } catch (error) {
      throw this.fail(error, `sending offsets of group ${groupId}`);
    }
  }

  /**
   * Commits. On failure the outcome is unknown to the caller (with loseCommitReply the commit did take effect):
   * the transaction is `failed`, and the caller aborts and re-reads its committed offsets.
   */
  async commit(): Promise<void> {
    this.guard('commit');
    this.state = 'committing';
    if (this.touched) {
      await nextTurn();
      try {
        if (!this.owner.isCurrent()) throw new KafkaError(`transaction of ${this.owner.transactionalId} outlived its producer`);
        this.owner.link.check();
        this.maybeFencedNow('commit');
        if (this.hit('coordinator-unavailable', 'commit')) {
          throw new MemoryBrokerError('COORDINATOR_NOT_AVAILABLE', 'the transaction coordinator is not available (injected fault)', { injected: true });
        }
        if (this.hit('end-txn-fails', 'commit')) {
          throw new MemoryBrokerError('CONNECTION_BROKEN', 'the connection broke before EndTxn reached the coordinator (injected fault)', { injected: true });
        }
        this.cluster.transactions.end(this.owner.transactionalId, this.owner.epoch, true);
        if (this.hit('commit-reply-lost', 'commit')) {
          throw new MemoryBrokerError('REQUEST_TIMED_OUT', 'the transaction committed, but the reply to EndTxn was lost (injected fault)', { injected: true });
        }
      } catch (error) {
        throw this.fail(error, 'committing');
      }
    }
    this.state = 'committed';
    this.owner.ended();
  }

  /**
   * Aborts: the records sent are never visible to read_committed readers. After a failure the producer
   * re-initialises at once, which aborts the transaction on the coordinator. Resolves without doing anything
   * when already aborted or when the producer was fenced (the newer producer's initialisation aborted it).
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
      if (!this.touched) {
        this.state = 'aborted';
        this.owner.ended();
        return;
      }
      await nextTurn();
      try {
        this.owner.link.check();
        if (this.hit('end-txn-fails', 'abort')) {
          throw new MemoryBrokerError('CONNECTION_BROKEN', 'the connection broke before EndTxn (abort) reached the coordinator (injected fault)', { injected: true });
        }
        this.cluster.transactions.end(this.owner.transactionalId, this.owner.epoch, false);
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
