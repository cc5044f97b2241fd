/** Admin on the memory cluster. Calls need connect() first, as on the kafkajs adapter. */
import { KafkaError } from '../../errors/index.ts';
import { toKafkaError } from '../client-errors.ts';
import type { Admin, PartitionOffsets, TopicInfo, TopicSpec } from '../types.ts';
import { MemoryBrokerError } from './broker-error.ts';
import type { ClientLink } from './client-link.ts';
import type { MemoryKafka, MemoryTopic } from './memory-kafka.ts';
import { nextTurn } from './signal.ts';

export class MemoryAdmin implements Admin {
  private connected = false;

  constructor(
    private readonly cluster: MemoryKafka,
    private readonly link: ClientLink,
  ) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  private async call<T>(what: string, fn: () => T): Promise<T> {
    if (!this.connected) throw new KafkaError(`${what} failed: the admin client is not connected (call connect() first)`);
    await nextTurn();
    try {
      this.link.check();
      return fn();
    } catch (error) {
      throw toKafkaError(error, what);
    }
  }

  private requireTopic(name: string): MemoryTopic {
    const topic = this.cluster.topic(name);
    if (topic === undefined) throw new MemoryBrokerError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    return topic;
  }

  async describeTopics(names: readonly string[]): Promise<Map<string, TopicInfo>> {
    return this.call(`describing topics ${names.join(', ')}`, () => {
      const result = new Map<string, TopicInfo>();
      for (const name of names) {
        const topic = this.cluster.topic(name);
        if (topic !== undefined) result.set(name, { name, partitions: topic.partitions.length });
      }
      return result;
    });
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    await this.call(`creating topics ${specs.map((s) => s.name).join(', ')}`, () => {
      for (const spec of specs) {
        if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
          throw new MemoryBrokerError('INVALID_PARTITIONS', `topic ${spec.name}: the partition count must be a positive integer (got ${spec.partitions})`);
        }
      }
      for (const spec of specs) this.cluster.createTopic(spec);
    });
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    return this.call(`reading offsets of topic ${topic}`, () =>
      this.requireTopic(topic).partitions.map((log) => {
        const stale = this.cluster.faults.take('stale-end-offsets', { api: 'topicOffsets', clientId: this.link.clientId, transactionalId: null, topic, partition: log.partition });
        const high = stale === undefined ? log.lastStableOffset : Math.max(log.logStartOffset, log.lastStableOffset - (stale.behind ?? 1));
        return { partition: log.partition, low: String(log.logStartOffset), high: String(high) };
      }),
    );
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    return this.call(`reading committed offsets of group ${groupId} for ${topic}`, () => {
      const result = new Map<number, string>();
      const group = this.cluster.group(groupId);
      for (const log of this.requireTopic(topic).partitions) {
        const offset = group.committedOffset(topic, log.partition);
        result.set(log.partition, offset === undefined ? '-1' : String(offset));
      }
      return result;
    });
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.call(`deleting topics ${names.join(', ')}`, () => {
      for (const name of names) this.cluster.deleteTopic(name);
    });
  }

  async deleteRecordsBefore(topic: string, partitions: readonly { partition: number; offset: string }[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.call(`deleting records of ${topic} before the committed offsets`, () => {
      const memoryTopic = this.requireTopic(topic);
      for (const { partition, offset } of partitions) {
        const log = memoryTopic.partitions[partition];
        if (log === undefined) throw new MemoryBrokerError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}/${partition} does not exist`);
        // -1 means "up to the high watermark", as in DeleteRecords.
        const before = offset === '-1' ? log.endOffset : Number(offset);
        if (!Number.isInteger(before) || before < 0 || before > log.endOffset) {
          throw new MemoryBrokerError('OFFSET_OUT_OF_RANGE', `${topic}/${partition}: cannot delete records before ${offset} (the high watermark is ${log.endOffset})`);
        }
        log.deleteBefore(before);
      }
      this.cluster.changed();
    });
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}
