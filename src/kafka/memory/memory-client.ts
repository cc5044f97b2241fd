/** One instance's KafkaClient on a MemoryKafka cluster. */
import type {
  Admin,
  GroupConsumer,
  GroupConsumerOptions,
  KafkaClient,
  PartitionReader,
  Producer,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../types.ts';
import { MemoryAdmin } from './memory-admin.ts';
import { MemoryConsumer } from './memory-consumer.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { MemoryPartitionReader } from './memory-partition-reader.ts';
import { MemoryProducer } from './memory-producer.ts';
import { MemoryTransactionalProducer } from './memory-transactional-producer.ts';

export class MemoryClient implements KafkaClient {
  private members = 0;

  constructor(
    readonly cluster: MemoryKafka,
    readonly clientId: string,
  ) {}

  consumer(options: GroupConsumerOptions): GroupConsumer {
    this.members += 1;
    return new MemoryConsumer(this.cluster, options, this.clientId, `${this.clientId}-member-${String(this.members).padStart(3, '0')}`);
  }

  transactionalProducer(options: TransactionalProducerOptions): TransactionalProducer {
    return new MemoryTransactionalProducer(this.cluster, options, this.clientId);
  }

  producer(): Producer {
    return new MemoryProducer(this.cluster, this.clientId);
  }

  admin(): Admin {
    return new MemoryAdmin(this.cluster);
  }

  partitionReader(): PartitionReader {
    return new MemoryPartitionReader(this.cluster, this.clientId);
  }
}
