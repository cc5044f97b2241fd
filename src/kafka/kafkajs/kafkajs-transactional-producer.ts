/**
 * TransactionalProducer on kafkajs.
 *
 *   disconnected ──connect──▶ ready ──begin──▶ in-transaction ──commit/abort ok──▶ ready
 *        ▲                      ▲                    │ any failure
 *        │                      │ reset              ▼
 *        └──disconnect── (any)  └──────────── needs-reset ◀── connect/reset failed
 *                                                    │ broker says fenced (any step)
 *                                                    ▼
 *                                                  fenced ──connect──▶ ready
 *
 * - connect() initialises the transactional id (InitProducerId), which bumps its epoch and so fences any older
 *   producer with the same id and aborts its open transaction. kafkajs does this lazily on the first
 *   `transaction()`, not in `connect()`, so connect() opens and drops an empty transaction (no request for the
 *   transaction itself: kafkajs sends EndTxn only when partitions or offsets were added).
 * - Recovery: after a failed send, sendOffsets, commit or abort the kafkajs producer is never reused. kafkajs's
 *   transaction state machine stays in COMMITTING/ABORTING after a failed EndTxn and then refuses every new
 *   transaction, so the next begin() (or the abort() of the failed transaction, whichever comes first)
 *   disconnects it and initialises a fresh one with the same transactional id; that initialisation also makes
 *   the coordinator abort whatever the failed transaction left open.
 * - Fencing is final for this object until connect() is called again: begin() throws TaskMigratedError and never
 *   re-initialises on its own, which would fence the new owner in turn.
 * - The producer underneath is a ProducerSession (producer-session.ts): by default the wire path (kafkajs's cluster
 *   and transaction manager, record batches encoded by src/kafka/wire/), or kafkajs's own producer.
 * - The kafkajs producer is created with idempotent: false on purpose: kafkajs makes transactional sends
 *   idempotent regardless (the transaction's sender always uses the transactional producer id and sequence
 *   numbers); the flag would only add a second, unused InitProducerId at connect and a warning about bounded
 *   retries. Retries are bounded (with a 50 ms first backoff, which also covers CONCURRENT_TRANSACTIONS right
 *   after a commit) so a send fails in bounded time and the task can abort.
 */
import type { Kafka } from 'kafkajs';
import { KafkaError, TaskMigratedError, type SluiceError } from '../../errors/index.ts';
import type { KafkaLogger } from '../logger.ts';
import type { Transaction, TransactionalProducer, TransactionalProducerOptions, TransactionScope } from '../types.ts';
import type { CompressionCodec } from '../wire/record-batch-encoder.ts';
import { describeError, toProducerError } from '../client-errors.ts';
import { KafkajsProducerSession } from './kafkajs-producer-session.ts';
import { KafkajsTransaction, type TransactionOwner } from './kafkajs-transaction.ts';
import type { ProducePath, ProducerSession, TransactionSession } from './producer-session.ts';
import { WireProducerSession } from './wire-producer-session.ts';

/** How records are produced; see producer-session.ts. */
export interface ProduceOptions {
  /** 'wire' (default): batches encoded by src/kafka/wire/; 'kafkajs': kafkajs's own producer. */
  readonly path?: ProducePath;
  /** Compression of the record batches on the wire path. Default 'none'. */
  readonly compression?: CompressionCodec;
  /**
   * Largest record batch (uncompressed) on the wire path; default 1,000,000. At or below the topics'
   * max.message.bytes, like --max-record-bytes (which sluice passes here), a batch of several records is never
   * refused as too large: only a single record over the limit can be.
   */
  readonly maxBatchBytes?: number;
}

type ProducerState = 'disconnected' | 'ready' | 'in-transaction' | 'needs-reset' | 'fenced';

const TRANSITIONS: Record<ProducerState, readonly ProducerState[]> = {
  disconnected: ['ready', 'needs-reset', 'fenced', 'disconnected'],
  ready: ['in-transaction', 'ready', 'needs-reset', 'fenced', 'disconnected'],
  'in-transaction': ['ready', 'needs-reset', 'fenced', 'disconnected'],
  'needs-reset': ['ready', 'needs-reset', 'fenced', 'disconnected'],
  fenced: ['ready', 'needs-reset', 'fenced', 'disconnected'],
};

const TRANSACTIONAL_RETRY = { initialRetryTime: 50, maxRetryTime: 2_000, retries: 8 } as const;

export class KafkajsTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  private state: ProducerState = 'disconnected';
  private producer: ProducerSession | undefined;
  /** Bumped whenever the kafkajs producer is replaced; transactions of an older one are dead. */
  private incarnation = 0;
  private current: KafkajsTransaction | undefined;
  private lastFailure: SluiceError | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TransactionalProducerOptions,
    private readonly logger: KafkaLogger,
    private readonly produce: ProduceOptions = {},
  ) {
    this.transactionalId = options.transactionalId;
  }

  private transitionTo(next: ProducerState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new KafkaError(`transactional producer ${this.transactionalId}: cannot go from ${this.state} to ${next}`);
    }
    this.state = next;
  }

  /**
   * Initialises the transactional id on a fresh kafkajs producer, fencing older producers with the same id; with a
   * scope, after aborting what they may have left open there (leftover-abort.ts).
   */
  async connect(scope?: TransactionScope): Promise<void> {
    await this.reset(scope);
  }

  async begin(): Promise<Transaction> {
    switch (this.state) {
      case 'fenced':
        throw new TaskMigratedError(`transactional producer ${this.transactionalId} was fenced by a newer one`, {
          cause: this.lastFailure,
        });
      case 'disconnected':
        throw new KafkaError(`transactional producer ${this.transactionalId} is not connected (call connect() first)`);
      case 'in-transaction':
        throw new KafkaError(`transactional producer ${this.transactionalId} already has an open transaction`);
      case 'needs-reset':
        await this.reset();
        break;
      case 'ready':
        break;
    }
    let tx: TransactionSession;
    try {
      tx = await (this.producer as ProducerSession).begin();
    } catch (error) {
      // Should not happen after a successful commit or abort; recover the same way as after a failure.
      this.logger.warn({ transactionalId: this.transactionalId, err: describeError(error) }, 'kafkajs refused a new transaction; resetting the producer');
      await this.reset();
      try {
        tx = await (this.producer as ProducerSession).begin();
      } catch (retryError) {
        const wrapped = toProducerError(retryError, `beginning a transaction of ${this.transactionalId}`);
        this.markFailed(wrapped);
        throw wrapped;
      }
    }
    this.transitionTo('in-transaction');
    this.current = new KafkajsTransaction(this.ownerFor(this.incarnation), tx);
    return this.current;
  }

  private ownerFor(incarnation: number): TransactionOwner {
    const isCurrent = () => incarnation === this.incarnation;
    return {
      transactionalId: this.transactionalId,
      isCurrent,
      ended: () => {
        if (isCurrent() && this.state === 'in-transaction') this.transitionTo('ready');
      },
      failed: (error) => {
        if (isCurrent()) this.markFailed(error);
      },
      abandon: async () => {
        if (isCurrent() && this.state !== 'fenced') await this.reset();
      },
    };
  }

  private markFailed(error: SluiceError): void {
    this.lastFailure = error;
    this.transitionTo(error instanceof TaskMigratedError ? 'fenced' : 'needs-reset');
  }

  /**
   * Replaces the kafkajs producer by a fresh, initialised one (state ready), or leaves needs-reset/fenced. With a
   * scope (the first connect), the session also aborts what earlier producers of the id left open there.
   */
  private async reset(scope?: TransactionScope): Promise<void> {
    const incarnation = ++this.incarnation;
    this.current = undefined;
    await this.closeProducer();
    const sessionOptions = { transactionalId: this.transactionalId, transactionTimeoutMs: this.options.transactionTimeoutMs, retry: TRANSACTIONAL_RETRY };
    const producer: ProducerSession =
      (this.produce.path ?? 'wire') === 'wire'
        ? new WireProducerSession(
            this.kafka,
            {
              ...sessionOptions,
              compression: this.produce.compression ?? 'none',
              ...(this.produce.maxBatchBytes === undefined ? {} : { maxBatchBytes: this.produce.maxBatchBytes }),
            },
            this.logger,
          )
        : new KafkajsProducerSession(this.kafka, sessionOptions, this.logger);
    try {
      await producer.connect(scope);
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      const what = scope === undefined ? 'initialising' : 'initialising (and ending what earlier producers left open under)';
      const wrapped = toProducerError(error, `${what} transactional id ${this.transactionalId}`);
      if (incarnation === this.incarnation) this.markFailed(wrapped);
      throw wrapped;
    }
    // Disconnected (or reset again) while this initialisation ran: the session is not ours to keep.
    if (incarnation !== this.incarnation) {
      await producer.disconnect().catch(() => undefined);
      throw new KafkaError(`transactional producer ${this.transactionalId} was disconnected while it initialised`);
    }
    this.producer = producer;
    this.transitionTo('ready');
  }

  private async closeProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer === undefined) return;
    try {
      await producer.disconnect();
    } catch (error) {
      this.logger.warn({ transactionalId: this.transactionalId, err: describeError(error) }, 'disconnecting a replaced kafkajs producer failed');
    }
  }

  /** Aborts an open transaction (best effort: the coordinator aborts it after the transaction timeout anyway). */
  async disconnect(): Promise<void> {
    const open = this.state === 'in-transaction' ? this.current : undefined;
    if (open !== undefined) {
      await open.abort().catch((error: unknown) => {
        this.logger.warn({ transactionalId: this.transactionalId, err: describeError(error) }, 'aborting the open transaction on disconnect failed');
      });
    }
    this.incarnation += 1;
    this.current = undefined;
    await this.closeProducer();
    this.transitionTo('disconnected');
  }
}
