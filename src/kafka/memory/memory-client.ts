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
import { ClientLink } from './client-link.ts';
import { MemoryAdmin } from './memory-admin.ts';
import { MemoryConsumer } from './memory-consumer.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { MemoryPartitionReader } from './memory-partition-reader.ts';
import { MemoryProducer } from './memory-producer.ts';
import { MemoryTransactionalProducer } from './memory-transactional-producer.ts';

export class MemoryClient implements KafkaClient {
  private members = 0;
  private readonly link: ClientLink;

  constructor(
    readonly cluster: MemoryKafka,
    readonly clientId: string,
  ) {
    this.link = new ClientLink(clientId);
  }

  /**
   * Kills this client as a SIGKILL or a network partition would: every later request fails (retriable
   * connection error), its consumers go silent without leaving their groups (dropped when their session times
   * out, or at once with cluster.expireSessions()), its open transactions stay open until fenced or timed out.
   */
  kill(): void {
    this.link.cutOff();
  }

  get killed(): boolean {
    return this.link.cut;
  }

  consumer(options: GroupConsumerOptions): GroupConsumer {
    this.members += 1;
    return new MemoryConsumer(this.cluster, options, this.link, `${this.clientId}-member-${String(this.members).padStart(3, '0')}`);
  }

  transactionalProducer(options: TransactionalProducerOptions): TransactionalProducer {
    return new MemoryTransactionalProducer(this.cluster, options, this.link);
  }

  producer(): Producer {
    return new MemoryProducer(this.cluster, this.link);
  }

  admin(): Admin {
    return new MemoryAdmin(this.cluster, this.link);
  }

  partitionReader(): PartitionReader {
    return new MemoryPartitionReader(this.cluster, this.link);
  }
}
