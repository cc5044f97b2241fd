/**
 * TransactionalProducer on the memory cluster, with the states of the kafkajs adapter:
 *
 *   disconnected ──connect──▶ ready ──begin──▶ in-transaction ──commit/abort ok──▶ ready
 *        ▲                      ▲                    │ any failure
 *        │                      │ reset              ▼
 *        └──disconnect── (any)  └──────────── needs-reset
 *                                                    │ coordinator says fenced (any step)
 *                                                    ▼
 *                                                  fenced ──connect──▶ ready
 *
 * connect() (and every reset) is InitProducerId: a new epoch, which fences older producers with the same id and
 * aborts its open transaction. Fencing is final for this object until connect() is called again.
 */
import { KafkaError, TaskMigratedError, type SluiceError } from '../../errors/index.ts';
import type { Transaction, TransactionalProducer, TransactionalProducerOptions, TransactionScope } from '../types.ts';
import { toProducerError } from '../client-errors.ts';
import type { ClientLink } from './client-link.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { MemoryTransaction, type MemoryTransactionOwner } from './memory-transaction.ts';
import { nextTurn } from './signal.ts';

type ProducerState = 'disconnected' | 'ready' | 'in-transaction' | 'needs-reset' | 'fenced';

const TRANSITIONS: Record<ProducerState, readonly ProducerState[]> = {
  disconnected: ['ready', 'needs-reset', 'fenced', 'disconnected'],
  ready: ['in-transaction', 'ready', 'needs-reset', 'fenced', 'disconnected'],
  'in-transaction': ['ready', 'needs-reset', 'fenced', 'disconnected'],
  'needs-reset': ['ready', 'needs-reset', 'fenced', 'disconnected'],
  fenced: ['ready', 'needs-reset', 'fenced', 'disconnected'],
};

export class MemoryTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  private state: ProducerState = 'disconnected';
  private epoch = -1;
  /** Bumped whenever the producer re-initialises or disconnects; transactions of an older one are dead. */
  private incarnation = 0;
  private current: MemoryTransaction | undefined;
  private lastFailure: SluiceError | undefined;
  private readonly keyless = { next: 0 };

  constructor(
    private readonly cluster: MemoryKafka,
    private readonly options: TransactionalProducerOptions,
    private readonly link: ClientLink,
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
   * The scope (TransactionalProducer.connect) needs nothing here: the memory cluster writes a commit's markers with
   * the commit itself, so no transaction is ever left open where the coordinator does not know of it.
   */
  async connect(_scope?: TransactionScope): Promise<void> {
    await this.reset();
  }

  async begin(): Promise<Transaction> {
    switch (this.state) {
      case 'fenced':
        throw new TaskMigratedError(`transactional producer ${this.transactionalId} was fenced by a newer one`, { cause: this.lastFailure });
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
    this.transitionTo('in-transaction');
    this.current = new MemoryTransaction(this.ownerFor(this.incarnation), this.cluster);
    return this.current;
  }

  private ownerFor(incarnation: number): MemoryTransactionOwner {
    const isCurrent = () => incarnation === this.incarnation;
    return {
      transactionalId: this.transactionalId,
      clientId: this.link.clientId,
      link: this.link,
      epoch: this.epoch,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
      keyless: this.keyless,
      isCurrent,
      ended: () => {
        if (isCurrent() && this.state === 'in-transaction') this.transitionTo('ready');
      },
      failed: (error) => {
        if (!isCurrent()) return;
        this.lastFailure = error;
        this.transitionTo(error instanceof TaskMigratedError ? 'fenced' : 'needs-reset');
      },
      abandon: async () => {
        if (isCurrent() && this.state !== 'fenced') await this.reset();
      },
    };
  }

  /** InitProducerId: a new epoch (state ready), or needs-reset when the request fails. */
  private async reset(): Promise<void> {
    this.incarnation += 1;
    this.current = undefined;
    await nextTurn();
    try {
      this.link.check();
    } catch (error) {
      const wrapped = toProducerError(error, `initialising transactional id ${this.transactionalId}`);
      this.lastFailure = wrapped;
      this.transitionTo('needs-reset');
      throw wrapped;
    }
    this.epoch = this.cluster.transactions.initProducerId(this.transactionalId);
    this.transitionTo('ready');
  }

  /** Aborts an open transaction (best effort: the coordinator aborts it after the transaction timeout anyway). */
  async disconnect(): Promise<void> {
    const open = this.state === 'in-transaction' ? this.current : undefined;
    if (open !== undefined) await open.abort().catch(() => undefined);
    this.incarnation += 1;
    this.current = undefined;
    this.transitionTo('disconnected');
  }
}
