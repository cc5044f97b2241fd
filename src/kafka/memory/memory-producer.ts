/** Producer (at-least-once) on the memory cluster: records are visible as soon as send resolves. */
import { KafkaError } from '../../errors/index.ts';
import { toKafkaError } from '../client-errors.ts';
import type { OutputRecord, Producer } from '../types.ts';
import type { ClientLink } from './client-link.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { writeRecords } from './record-writer.ts';
import { nextTurn } from './signal.ts';

export class MemoryProducer implements Producer {
  private connected = false;
  private readonly keyless = { next: 0 };

  constructor(
    private readonly cluster: MemoryKafka,
    private readonly link: ClientLink,
  ) {}

  async connect(): Promise<void> {
    await nextTurn();
    try {
      this.link.check();
    } catch (error) {
      throw toKafkaError(error, 'connecting the producer');
    }
    this.connected = true;
  }

  async send(records: readonly OutputRecord[]): Promise<void> {
    if (!this.connected) throw new KafkaError(`sending ${records.length} records failed: the producer is not connected (call connect() first)`);
    if (records.length === 0) return;
    await nextTurn();
    try {
      this.link.check();
    } catch (error) {
      throw toKafkaError(error, `sending ${records.length} records`);
    }
    const { failure } = writeRecords(this.cluster, records, { clientId: this.link.clientId, transactionalId: null, txn: null, keyless: this.keyless });
    if (failure !== undefined) {
      throw toKafkaError(failure.error, `sending ${records.length} records`, { topic: failure.topic, partition: failure.partition });
    }
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}
