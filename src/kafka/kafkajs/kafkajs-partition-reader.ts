/**
 * PartitionReader on plain read_committed Fetch requests to the partition leader: no consumer group is joined
 * or left behind, and each response (up to MAX_FETCH_BYTES) is handed to `onRecords` as one array. Aborted
 * records are dropped by read-committed-filter.ts (installed into kafkajs's Fetch parsing by the client).
 *
 * Termination does not wait for a record at toOffset - 1: the range may end in control markers or aborted
 * records, which read_committed never returns. The reader keeps its own position = the offset after the last
 * record batch returned (markers and aborted batches included) and stops when
 *   - position >= toOffset, or
 *   - a response held no batch at all while the last stable offset (LSO) is >= toOffset: nothing readable is left
 *     below toOffset (offsets without batches, e.g. removed by compaction, are skipped this way).
 * While position is at or past the LSO (an open transaction below toOffset), fetches wait on the broker (up to
 * WAIT_FOR_DATA_MS each) until the transaction ends. Otherwise fetches do not wait (minBytes 0).
 */
import type { Broker, Cluster, Kafka } from 'kafkajs';
import { OffsetOutOfRangeError } from '../../errors/index.ts';
import type { ConsumedRecord, PartitionFetch, PartitionReader, TopicPartitionOffset } from '../types.ts';
import { describeError, hasErrorType, isRetriable, toKafkaError } from '../client-errors.ts';
import { installFetchAbortedFilter } from './fetch-response-patch.ts';
import { createInternalCluster } from './internal-cluster.ts';
import { collectRecords, type FetchedMessage } from './read-committed-filter.ts';
import type { KafkaLogger } from '../logger.ts';

/** Bytes per Fetch (and per partition). The broker caps a response at its fetch.max.bytes (55 MiB by default). */
export const MAX_FETCH_BYTES = 16 * 1024 * 1024;
const WAIT_FOR_DATA_MS = 500;
const READ_COMMITTED = 1;
const FETCH_ATTEMPTS = 6;
const RETRY_BACKOFF_MS = 100;
/** No upper bound for `fetch`: every record from the fetch offset on is wanted. */
const NO_END = 2n ** 63n;

interface FetchedPartition {
  readonly partition: number;
  readonly highWatermark: string;
  readonly lastStableOffset: string;
  /** Aborted records arrive flagged as control records (fetch-response-patch.ts). */
  readonly messages: readonly FetchedMessage[];
}

interface FetchResponse {
  readonly responses: readonly { readonly topicName: string; readonly partitions: readonly FetchedPartition[] }[];
}

interface ReadRange {
  topic: string;
  partition: number;
  fromOffset: string;
  toOffset: string;
}

export class KafkajsPartitionReader implements PartitionReader {
  private cluster: Cluster | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: KafkaLogger,
  ) {
    installFetchAbortedFilter();
  }

  async read(range: ReadRange, onRecords: (records: readonly ConsumedRecord[]) => void | Promise<void>): Promise<void> {
    const { topic, partition } = range;
    const toOffset = BigInt(range.toOffset);
    let position = BigInt(range.fromOffset);
    if (position >= toOffset) return;
    const cluster = await this.clusterFor(topic, partition);
    let lastStableOffset: bigint | undefined;
    while (position < toOffset) {
      const wait = lastStableOffset !== undefined && position >= lastStableOffset;
      const fetched = await this.fetch1(cluster, topic, partition, position, wait ? WAIT_FOR_DATA_MS : 0);
      const lso = BigInt(fetched.lastStableOffset);
      lastStableOffset = lso >= 0n ? lso : BigInt(fetched.highWatermark);
      if (fetched.messages.length === 0) {
        // No batch at or after `position` below the LSO: everything up to the LSO is done.
        if (lastStableOffset > position) position = lastStableOffset;
        continue;
      }
      const records: ConsumedRecord[] = [];
      position = collectRecords(fetched.messages, position, toOffset, records);
      if (records.length > 0) await onRecords(records);
    }
  }

  /**
   * One fetch for a follower (see PartitionReader.fetch). Waits on the broker (minBytes 1) for up to maxWaitMs
   * when nothing committed is readable at the offset. A response without any batch while the LSO lies beyond
   * the offset means nothing readable is left below the LSO (offsets removed by compaction): the position
   * moves to the LSO, as in `read`.
   */
  async fetch(position: TopicPartitionOffset, options: { readonly maxWaitMs: number }): Promise<PartitionFetch> {
    const { topic, partition } = position;
    const from = BigInt(position.offset);
    const cluster = await this.clusterFor(topic, partition);
    let fetched: FetchedPartition;
    try {
      fetched = await this.fetch1(cluster, topic, partition, from, Math.max(0, options.maxWaitMs));
    } catch (error) {
      if (hasErrorType(error, 'OFFSET_OUT_OF_RANGE')) {
        throw new OffsetOutOfRangeError(`reading ${topic}/${partition} at offset ${position.offset} failed: the offset is outside the partition's log`, {
          cause: error,
          context: { topic, partition, offset: position.offset },
        });
      }
      throw error;
    }
    const lso = BigInt(fetched.lastStableOffset);
    const lastStableOffset = lso >= 0n ? lso : BigInt(fetched.highWatermark);
    const records: ConsumedRecord[] = [];
    let next = from;
    if (fetched.messages.length === 0) {
      if (lastStableOffset > next) next = lastStableOffset;
    } else {
      next = collectRecords(fetched.messages, from, NO_END, records);
    }
    return { records, nextOffset: next.toString(), lastStableOffset: lastStableOffset.toString() };
  }

  private async clusterFor(topic: string, partition: number): Promise<Cluster> {
    for (let attempt = 1; ; attempt++) {
      const cluster = this.cluster ?? createInternalCluster(this.kafka);
      this.cluster = cluster;
      try {
        await cluster.connect();
        await cluster.addTargetTopic(topic);
        return cluster;
      } catch (error) {
        // A topic this cluster read before may have been deleted since; its metadata refresh fails for good.
        if (attempt === 1 && hasErrorType(error, 'UNKNOWN_TOPIC_OR_PARTITION')) {
          await this.disconnect();
          continue;
        }
        throw toKafkaError(error, `reading ${topic}/${partition}`, { topic, partition });
      }
    }
  }

  private async fetch1(cluster: Cluster, topic: string, partition: number, position: bigint, waitMs: number): Promise<FetchedPartition> {
    const fetchOffset = position.toString();
    for (let attempt = 1; ; attempt++) {
      try {
        const broker = await leaderOf(cluster, topic, partition);
        const response: FetchResponse = await broker.fetch({
          isolationLevel: READ_COMMITTED,
          maxWaitTime: waitMs,
          minBytes: waitMs > 0 ? 1 : 0,
          maxBytes: MAX_FETCH_BYTES,
          topics: [{ topic, partitions: [{ partition, fetchOffset, maxBytes: MAX_FETCH_BYTES }] }],
        });
        const fetched = response.responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition);
        if (fetched === undefined) throw new Error(`the fetch response has no data for ${topic}/${partition}`);
        return fetched;
      } catch (error) {
        const what = `reading ${topic}/${partition} at offset ${fetchOffset}`;
        // Disconnected meanwhile: a retry would connect the cluster again behind the caller's back.
        if (this.cluster !== cluster) throw toKafkaError(error, `${what} (the reader was disconnected)`, { topic, partition, offset: fetchOffset });
        if (attempt >= FETCH_ATTEMPTS || !isRetriable(error)) {
          throw toKafkaError(error, what, { topic, partition, offset: fetchOffset });
        }
        this.logger.debug({ topic, partition, offset: fetchOffset, attempt, err: describeError(error) }, `${what} failed; retrying`);
        await sleep(RETRY_BACKOFF_MS * 2 ** (attempt - 1));
        await cluster.refreshMetadata().catch(() => undefined);
      }
    }
  }

  async disconnect(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster === undefined) return;
    try {
      await cluster.disconnect();
    } catch (error) {
      throw toKafkaError(error, 'disconnecting the partition reader');
    }
  }
}

async function leaderOf(cluster: Cluster, topic: string, partition: number): Promise<Broker> {
  await cluster.refreshMetadataIfNecessary();
  const leaders = cluster.findLeaderForPartitions(topic, [partition]);
  const nodeId = Object.keys(leaders)[0];
  if (nodeId === undefined) {
    throw Object.assign(new Error(`no leader known for ${topic}/${partition}`), { retriable: true });
  }
  return cluster.findBroker({ nodeId });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
