/**
 * ProducerSession on a kafkajs cluster and kafkajs's own transaction manager (EosManager), with records sent by
 * WireRecordSender instead of kafkajs's producer: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit and EndTxn are kafkajs's, so the transaction protocol is exactly the one the kafkajs path speaks;
 * only the encoding and sending of the records differ.
 */
import type { Kafka } from 'kafkajs';
import type { OutputRecord } from '../types.ts';
import type { CompressionCodec } from '../wire/record-batch-encoder.ts';
import { DEFAULT_MAX_BATCH_BYTES } from '../wire/produce-accumulator.ts';
import { createInternalCluster } from './internal-cluster.ts';
import { createEosManager, type EosManager, type KafkajsInternalLogger } from './kafkajs-eos-internals.ts';
import type { SessionOptions } from './kafkajs-producer-session.ts';
import type { OffsetsOfTopic, ProducerSession, TransactionSession } from './producer-session.ts';
import { WireRecordSender } from './wire-record-sender.ts';

export interface WireSessionOptions extends SessionOptions {
  readonly compression?: CompressionCodec;
  readonly maxBatchBytes?: number;
}

const ACK_TIMEOUT_MS = 30_000;

export class WireProducerSession implements ProducerSession {
  private readonly cluster;
  private readonly eos: EosManager;
  private readonly sender: WireRecordSender;

  constructor(kafka: Kafka, options: WireSessionOptions) {
    this.cluster = createInternalCluster(kafka, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    const logger = (kafka.logger() as unknown as KafkajsInternalLogger).namespace('Producer');
    this.eos = createEosManager({
      logger,
      cluster: this.cluster,
      transactionTimeout: options.transactionTimeoutMs,
      transactional: true,
      transactionalId: options.transactionalId,
    });
    this.sender = new WireRecordSender(this.cluster, this.eos, {
      transactionalId: options.transactionalId,
      compression: options.compression ?? 'none',
      maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      retry: options.retry,
    });
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
    await this.eos.initProducerId();
  }

  begin(): Promise<TransactionSession> {
    this.eos.beginTransaction();
    return Promise.resolve(new WireTransactionSession(this.eos, this.sender));
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }
}

class WireTransactionSession implements TransactionSession {
  /** Sends run one after another: a partition's sequence moves on only once its previous batch was acknowledged. */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly eos: EosManager,
    private readonly sender: WireRecordSender,
  ) {}

  send(records: readonly OutputRecord[]): Promise<void> {
    const next = this.sending.then(() => this.sender.send(records));
    this.sending = next.catch(() => undefined);
    return next;
  }

  async sendOffsets(groupId: string, topics: readonly OffsetsOfTopic[]): Promise<void> {
    await this.sending;
    await this.eos.sendOffsets({ consumerGroupId: groupId, topics });
  }

  async commit(): Promise<void> {
    await this.sending;
    await this.eos.commit();
  }

  async abort(): Promise<void> {
    await this.sending;
    await this.eos.abort();
  }
}
