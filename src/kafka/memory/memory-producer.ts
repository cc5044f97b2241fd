/** Producer (at-least-once) on the memory cluster: records are visible as soon as send resolves. */
import { KafkaError } from '../../errors/index.ts';
import { toKafkaError } from '../kafkajs/errors.ts';
import type { OutputRecord, Producer } from '../types.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { writeRecords } from './record-writer.ts';
import { nextTurn } from './signal.ts';

export class MemoryProducer implements Producer {
  private connected = false;
  private readonly keyless = { next: 0 };

  constructor(
    private readonly cluster: MemoryKafka,
    private readonly clientId: string,
  ) {}

  async connect(): Promise<void> {
    await nextTurn();
    this.connected = true;
  }

  async send(records: readonly OutputRecord[]): Promise<void> {
    if (!this.connected) throw new KafkaError(`sending ${records.length} records failed: the producer is not connected (call connect() first)`);
    if (records.length === 0) return;
    await nextTurn();
    const { failure } = writeRecords(this.cluster, records, { clientId: this.clientId, transactionalId: null, txn: null, keyless: this.keyless });
    if (failure !== undefined) {
      throw toKafkaError(failure.error, `sending ${records.length} records`, { topic: failure.topic, partition: failure.partition });
    }
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}
