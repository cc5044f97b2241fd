/**
 * Producer (at-least-once) on an idempotent kafkajs producer: acks from all in-sync replicas, one in-flight
 * request, so a retried request is written once and in order. Retries are bounded (about 30 s in all) so a
 * send fails instead of hanging while the cluster is away.
 */
import { javaCompatiblePartitioner } from './murmur2-partition.ts';
import type { Kafka, Producer as RawProducer } from 'kafkajs';
import type { OutputRecord, Producer } from '../types.ts';
import { toKafkaError } from '../client-errors.ts';
import { toSendBatches } from './records.ts';

const PRODUCER_RETRY = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 10 } as const;

export class KafkajsProducer implements Producer {
  private readonly producer: RawProducer;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
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

  /** One sendBatch (acks all) per up to 1,000 records; see MAX_RECORDS_PER_SEND_BATCH for why not one per call. */
  async send(records: readonly OutputRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      for (const topicMessages of toSendBatches(records)) {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
      }
    } catch (error) {
      throw toKafkaError(error, `sending ${records.length} records`);
    }
  }

  async disconnect(): Promise<void> {
    try {
      await this.producer.disconnect();
    } catch (error) {
      throw toKafkaError(error, 'disconnecting the producer');
    }
  }
}
