/**
 * Admin on a kafkajs admin client.
 *
 * kafkajs's admin remembers every topic it was asked about and refreshes metadata for all of them; once one of
 * them is deleted (by anyone else), every later call fails with UNKNOWN_TOPIC_OR_PARTITION. On that error the
 * call is retried once on a fresh kafkajs admin.
 */
import type { Cluster, Admin as KafkajsAdmin, Kafka } from 'kafkajs';
import { KafkaError } from '../../errors/index.ts';
import type { Admin, PartitionOffsets, TopicInfo, TopicSpec } from '../types.ts';
import { describeError, hasErrorType, toKafkaError } from '../client-errors.ts';
import type { KafkaLogger } from '../logger.ts';
import { createInternalCluster } from './internal-cluster.ts';
import { fetchStableOffsets } from './stable-offsets.ts';

/** Short retries: the callers (startup, rebalance) prefer a clear error to a long wait. */
const ADMIN_RETRY = { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 } as const;
const CALL_ATTEMPTS = 5;
const CALL_BACKOFF_MS = 100;
/** How long a stable offset read waits for an open transaction: past the longest transaction timeout sluice sets. */
const STABLE_OFFSETS_TIMEOUT_MS = 90_000;

/** A retriable broker or connection error kafkajs handed up as is (not after exhausting its own retries). */
function isFirstHandRetriable(error: unknown): boolean {
  const { name, retriable } = error as { name?: unknown; retriable?: unknown };
  return retriable === true && (name === 'KafkaJSProtocolError' || name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class KafkajsAdminClient implements Admin {
  private admin: KafkajsAdmin | undefined;
  /** For the requests sluice encodes itself (stable offset reads); made on first use. */
  private cluster: Cluster | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: KafkaLogger,
  ) {}

  async connect(): Promise<void> {
    if (this.admin !== undefined) return;
    const admin = this.kafka.admin({ retry: ADMIN_RETRY });
    try {
      await admin.connect();
    } catch (error) {
      throw toKafkaError(error, 'connecting the admin client');
    }
    this.admin = admin;
  }

  private async call<T>(what: string, fn: (admin: KafkajsAdmin) => Promise<T>): Promise<T> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const admin = this.admin;
      if (admin === undefined) throw new KafkaError(`${what} failed: the admin client is not connected (call connect() first)`);
      try {
        return await fn(admin);
      } catch (error) {
        if (!renewed && hasErrorType(error, 'UNKNOWN_TOPIC_OR_PARTITION')) {
          this.logger.debug({ err: describeError(error) }, `${what}: unknown topic; retrying on a fresh admin client`);
          renewed = true;
          await this.disconnect();
          await this.connect();
          continue;
        }
        // Some kafkajs admin calls (fetchOffsets) do not retry, e.g. while a group coordinator is loading.
        if (attempt < CALL_ATTEMPTS && isFirstHandRetriable(error)) {
          await sleep(CALL_BACKOFF_MS * 2 ** (attempt - 1));
          continue;
        }
        throw toKafkaError(error, what);
      }
    }
  }

  /** One metadata request for all topics, filtered: asking kafkajs for a missing topic throws. */
  async describeTopics(names: readonly string[]): Promise<Map<string, TopicInfo>> {
    const result = new Map<string, TopicInfo>();
    if (names.length === 0) return result;
    const wanted = new Set(names);
    const { topics } = await this.call(`describing topics ${names.join(', ')}`, (admin) => admin.fetchTopicMetadata());
    for (const topic of topics) {
      if (wanted.has(topic.name)) result.set(topic.name, { name: topic.name, partitions: topic.partitions.length });
    }
    return result;
  }

  /** Creates the topics that do not exist yet and waits until their partitions have leaders. */
  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const existing = await this.describeTopics(specs.map((spec) => spec.name));
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length === 0) return;
    const what = `creating topics ${missing.map((spec) => spec.name).join(', ')}`;
    await this.call(what, async (admin) => {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.name,
            numPartitions: spec.partitions,
            configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (error) {
        // Created concurrently by someone else: fine, the caller validates existing topics.
        if (!isOnlyTopicAlreadyExists(error)) throw error;
      }
    });
  }

  /**
   * Per partition: `low` = log start offset; `high` = kafkajs's ListOffsets(latest) with isolation level
   * READ_COMMITTED, i.e. the last stable offset (the high watermark when no transaction is open).
   */
  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await this.call(`reading offsets of topic ${topic}`, (admin) => admin.fetchTopicOffsets(topic));
    return offsets
      .map(({ partition, low, high }) => ({ partition, low, high }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string, options: { readonly requireStable?: boolean } = {}): Promise<Map<number, string>> {
    if (options.requireStable === true) return this.stableOffsets(groupId, topic);
    const result = new Map<number, string>();
    const response = await this.call(`reading committed offsets of group ${groupId} for ${topic}`, (admin) =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    for (const topicOffsets of response) {
      if (topicOffsets.topic !== topic) continue;
      // A negative offset is no position: kafkajs itself commits -2 ("earliest") when it resets an out-of-range one.
      for (const { partition, offset } of topicOffsets.partitions) result.set(partition, offset.startsWith('-') ? '-1' : offset);
    }
    return result;
  }

  private async stableOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const what = `reading the stable committed offsets of group ${groupId} for ${topic}`;
    const metadata = await this.call(what, (admin) => admin.fetchTopicMetadata({ topics: [topic] }));
    const partitions = (metadata.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
    try {
      if (this.cluster === undefined) {
        const cluster = createInternalCluster(this.kafka);
        await cluster.connect();
        this.cluster = cluster;
      }
      return await fetchStableOffsets(this.cluster, groupId, topic, partitions, STABLE_OFFSETS_TIMEOUT_MS);
    } catch (error) {
      throw toKafkaError(error, what, { topic });
    }
  }

  /** Deletes the topics that exist; missing ones are ignored. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    const existing = await this.describeTopics(names);
    if (existing.size === 0) return;
    const topics = [...existing.keys()];
    await this.call(`deleting topics ${topics.join(', ')}`, (admin) => admin.deleteTopics({ topics }));
  }

  async deleteRecordsBefore(topic: string, partitions: readonly { partition: number; offset: string }[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.call(`deleting records of ${topic} before the committed offsets`, (admin) =>
      admin.deleteTopicRecords({ topic, partitions: partitions.map(({ partition, offset }) => ({ partition, offset })) }),
    );
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    const cluster = this.cluster;
    this.cluster = undefined;
    await cluster?.disconnect().catch(() => undefined);
    if (admin === undefined) return;
    try {
      await admin.disconnect();
    } catch (error) {
      throw toKafkaError(error, 'disconnecting the admin client');
    }
  }
}

/** kafkajs reports per-topic creation errors as a KafkaJSAggregateError with `errors`. */
function isOnlyTopicAlreadyExists(error: unknown): boolean {
  const errors = (error as { errors?: unknown }).errors;
  if (hasErrorType(error, 'TOPIC_ALREADY_EXISTS')) return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => hasErrorType(e, 'TOPIC_ALREADY_EXISTS'));
}
