/**
 * ProducerSession on a kafkajs cluster and kafkajs's own transaction manager (EosManager), with records sent by
 * WireRecordSender instead of kafkajs's producer: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit and EndTxn are kafkajs's, so the transaction protocol is exactly the one the kafkajs path speaks;
 * only the encoding and sending of the records differ.
 */
import type { Cluster, Kafka } from 'kafkajs';
import type { KafkaLogger } from '../logger.ts';
import type { GroupMember, OutputRecord, TransactionScope } from '../types.ts';
import type { CompressionCodec } from '../wire/record-batch-encoder.ts';
import { DEFAULT_MAX_BATCH_BYTES } from '../wire/produce-accumulator.ts';
import { describeError } from '../client-errors.ts';
import { createInternalCluster } from './internal-cluster.ts';
import { createEosManager, type EosManager, type KafkajsInternalLogger } from './kafkajs-eos-internals.ts';
import type { SessionOptions } from './kafkajs-producer-session.ts';
import type { OffsetsOfTopic, ProducerSession, TransactionSession } from './producer-session.ts';
import { abortLeftoversWith } from './leftover-abort.ts';
import { sendOffsetsAsMember } from './member-offsets.ts';
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

  constructor(
    kafka: Kafka,
    private readonly options: WireSessionOptions,
    private readonly log: KafkaLogger,
  ) {
    this.cluster = createInternalCluster(kafka, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    const logger = (kafka.logger() as unknown as KafkajsInternalLogger).namespace('Producer');
    this.eos = createEosManager({
      logger,
      cluster: this.cluster,
      transactionTimeout: options.transactionTimeoutMs,
      transactional: true,
      transactionalId: options.transactionalId,
    });
    const sendOptions = {
      transactionalId: options.transactionalId,
      compression: options.compression ?? 'none',
      maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      retry: options.retry,
    };
    this.sender = new WireRecordSender(this.cluster, this.eos, sendOptions, log);
  }

  /** With a scope, leftovers are aborted on this session's own transaction manager, before its first transaction. */
  async connect(scope?: TransactionScope): Promise<void> {
    await this.cluster.connect();
    await this.eos.initProducerId();
    this.log.debug({ transactionalId: this.options.transactionalId, producerId: String(this.eos.getProducerId()), producerEpoch: this.eos.getProducerEpoch() }, 'wire produce: producer id initialised');
    if (scope !== undefined) await abortLeftoversWith(this.eos, this.cluster, scope, this.log);
  }

  begin(): Promise<TransactionSession> {
    this.eos.beginTransaction();
    return Promise.resolve(new WireTransactionSession(this.cluster, this.eos, this.sender, this.log));
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }
}

class WireTransactionSession implements TransactionSession {
  /** Sends run one after another: a partition's sequence moves on only once its previous batch was acknowledged. */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: Cluster,
    private readonly eos: EosManager,
    private readonly sender: WireRecordSender,
    private readonly log: KafkaLogger,
  ) {}

  /** Runs an EndTxn (or the offsets' requests) with a debug line for its outcome, for tracing a transaction. */
  private async traced(what: string, fn: () => Promise<void>, fields: object = {}): Promise<void> {
    const ids = { transactionalId: this.eos.getTransactionalId(), producerId: String(this.eos.getProducerId()), producerEpoch: this.eos.getProducerEpoch(), ...fields };
    try {
      await fn();
    } catch (error) {
      this.log.debug({ ...ids, err: describeError(error) }, `wire produce: ${what} failed`);
      throw error;
    }
    this.log.debug(ids, `wire produce: ${what} done`);
  }

  send(records: readonly OutputRecord[]): Promise<void> {
    const next = this.sending.then(() => this.sender.send(records));
    this.sending = next.catch(() => undefined);
    return next;
  }

  async sendOffsets(groupId: string, topics: readonly OffsetsOfTopic[], member?: GroupMember): Promise<void> {
    await this.sending;
    const send = member === undefined ? () => this.eos.sendOffsets({ consumerGroupId: groupId, topics }) : () => sendOffsetsAsMember(this.cluster, this.eos, groupId, topics, member);
    await this.traced('sending offsets', send, {
      offsets: topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}@${p.offset}`)),
      ...(member === undefined ? {} : { generationId: member.generationId, memberId: member.memberId }),
    });
  }

  async commit(): Promise<void> {
    await this.sending;
    await this.traced('commit', () => this.eos.commit());
  }

  async abort(): Promise<void> {
    await this.sending;
    await this.traced('abort', () => this.eos.abort());
  }
}
