/**
 * Producer (at-least-once) on an idempotent kafkajs producer: acks from all in-sync replicas, one in-flight
 * request, so a retried request is written once and in order. Retries are bounded (about 30 s in all) so a
 * send fails instead of hanging while the cluster is away.
 *
 * An idempotent producer whose sequence state the broker no longer accepts (OUT_OF_ORDER_SEQUENCE_NUMBER after a
 * broker restart lost its tail, UNKNOWN_PRODUCER_ID once the broker forgot the id, INVALID_PRODUCER_EPOCH) never
 * recovers inside kafkajs: every later send fails the same way. After such an answer the kafkajs producer is
 * replaced (a new producer id, sequences from 0) before the next send; the failed send still fails, so its
 * records are sent again by the task's recovery (at-least-once: possibly twice, never lost).
 */
import { javaCompatiblePartitioner } from './murmur2-partition.ts';
import type { Kafka, Producer as RawProducer } from 'kafkajs';
import type { OutputRecord, Producer } from '../types.ts';
import { hasErrorType, toKafkaError } from '../client-errors.ts';
import { toSendBatches } from './records.ts';

const PRODUCER_RETRY = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 10 } as const;

/** Broker answers after which an idempotent producer's id and sequences are unusable. */
export const PRODUCER_STATE_LOST = ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'] as const;

export class KafkajsProducer implements Producer {
  private producer: RawProducer;
  /** The producer was replaced: the new one connects before the next send. */
  private needsConnect = false;
  /** The replaced producer's disconnect, awaited by `disconnect`. */
  private retiring: Promise<void> = Promise.resolve();

  constructor(private readonly kafka: Kafka) {
    this.producer = this.create();
  }

  private create(): RawProducer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: javaCompatiblePartitioner,
      retry: PRODUCER_RETRY,
    });
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
    } catch (error) {
      throw toKafkaError(error, 'connecting the producer');
    }
  }

  /** Drops the kafkajs producer (its id and sequences) for a new one, connected before the next send. */
  private replace(): void {
    const old = this.producer;
    this.producer = this.create();
    this.needsConnect = true;
    this.retiring = this.retiring.then(() => old.disconnect()).catch(() => undefined);
  }

  /** One sendBatch (acks all) per up to 1,000 records; see MAX_RECORDS_PER_SEND_BATCH for why not one per call. */
  async send(records: readonly OutputRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      if (this.needsConnect) {
        await this.producer.connect();
        this.needsConnect = false;
      }
      for (const topicMessages of toSendBatches(records)) {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
      }
    } catch (error) {
      if (hasErrorType(error, ...PRODUCER_STATE_LOST)) this.replace();
      throw toKafkaError(error, `sending ${records.length} records`);
    }
  }

  async disconnect(): Promise<void> {
    try {
      await this.retiring;
      await this.producer.disconnect();
    } catch (error) {
      throw toKafkaError(error, 'disconnecting the producer');
    }
  }
}
