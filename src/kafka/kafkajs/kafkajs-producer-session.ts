/** ProducerSession on kafkajs's own transactional producer (the `producePath: 'kafkajs'` option). */
import type { Kafka, Producer as KafkajsProducer, Transaction as KafkajsTx } from 'kafkajs';
import type { KafkaLogger } from '../logger.ts';
import type { GroupMember, OutputRecord, TransactionScope } from '../types.ts';
import { KafkaError } from '../../errors/index.ts';
import { abortLeftovers } from './leftover-abort.ts';
import { javaCompatiblePartitioner } from './murmur2-partition.ts';
import type { OffsetsOfTopic, ProducerSession, TransactionSession } from './producer-session.ts';
import { toSendBatches } from './records.ts';

export interface SessionOptions {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  readonly retry: { readonly initialRetryTime: number; readonly maxRetryTime: number; readonly retries: number };
}

export class KafkajsProducerSession implements ProducerSession {
  private readonly producer: KafkajsProducer;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SessionOptions,
    private readonly log: KafkaLogger,
  ) {
    this.producer = kafka.producer({
      transactionalId: options.transactionalId,
      transactionTimeout: options.transactionTimeoutMs,
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: javaCompatiblePartitioner,
      retry: options.retry,
    });
  }

  /**
   * kafkajs initialises the id lazily on the first transaction(): open and drop an empty one (no EndTxn is sent).
   * kafkajs's producer cannot lend its transaction manager, so leftovers are aborted first on one of their own.
   */
  async connect(scope?: TransactionScope): Promise<void> {
    if (scope !== undefined) await abortLeftovers(this.kafka, this.options.transactionalId, this.options.transactionTimeoutMs, scope, this.log);
    await this.producer.connect();
    const empty = await this.producer.transaction();
    await empty.abort();
  }

  async begin(): Promise<TransactionSession> {
    return new KafkajsTransactionSession(await this.producer.transaction());
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

class KafkajsTransactionSession implements TransactionSession {
  constructor(private readonly tx: KafkajsTx) {}

  /** One sendBatch (acks all) per up to 1,000 records; see MAX_RECORDS_PER_SEND_BATCH for why not one per call. */
  async send(records: readonly OutputRecord[]): Promise<void> {
    for (const topicMessages of toSendBatches(records)) {
      await this.tx.sendBatch({ topicMessages, acks: -1 });
    }
  }

  async sendOffsets(groupId: string, topics: readonly OffsetsOfTopic[], member?: GroupMember): Promise<void> {
    if (member !== undefined) throw new KafkaError('the kafkajs produce path cannot send offsets with a group generation (one transaction per instance needs --produce-path wire)');
    await this.tx.sendOffsets({ consumerGroupId: groupId, topics: [...topics] });
  }

  commit(): Promise<void> {
    return this.tx.commit();
  }

  abort(): Promise<void> {
    return this.tx.abort();
  }
}
