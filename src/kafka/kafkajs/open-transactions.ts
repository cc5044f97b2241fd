/**
 * Which partitions hold a transaction of one producer id still open, asked of each partition's leader with
 * DescribeProducers (src/kafka/wire/describe-producers.ts). leftover-abort.ts aborts only where this finds one.
 *
 * Conservative by construction: a partition the answer says nothing certain about (a broker without the API, an
 * error for the partition or the whole request, a partition missing from the answer) counts as open, so the
 * caller aborts there as it would without the check.
 */
import type { Cluster } from 'kafkajs';
import type { TopicPartition } from '../types.ts';
import { describeError } from '../client-errors.ts';
import type { KafkaLogger } from '../logger.ts';
import {
  decodeDescribeProducersResponse,
  DESCRIBE_PRODUCERS_API_KEY,
  DESCRIBE_PRODUCERS_API_VERSION,
  encodeDescribeProducersRequest,
  type ActiveProducer,
  type DescribeProducersResponse,
} from '../wire/describe-producers.ts';
import { encodedRequest, sendToBroker, type KafkajsBroker, type KafkajsProtocolRequest } from './kafkajs-eos-internals.ts';

export const GROUP_OFFSETS_TOPIC = '__consumer_offsets';

/** What a partition's leader said of its producers; `unknown` when it said nothing certain. */
export type PartitionProducers =
  | { readonly topic: string; readonly partition: number; readonly known: true; readonly producers: readonly ActiveProducer[] }
  | { readonly topic: string; readonly partition: number; readonly known: false; readonly why: string };

/** Asks each partition's leader (DescribeProducers) which producers it knows there, one request per leader. */
export async function describePartitionProducers(cluster: Cluster, partitions: readonly TopicPartition[]): Promise<PartitionProducers[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  const unknown = (tp: TopicPartition, why: string): PartitionProducers => ({ ...tp, known: false, why });
  try {
    await cluster.addMultipleTargetTopics([...byTopic.keys()]);
    await cluster.refreshMetadataIfNecessary();
  } catch (error) {
    return partitions.map((tp) => unknown(tp, `no metadata: ${describeError(error)}`));
  }
  const byLeader = new Map<string, { topic: string; partitions: number[] }[]>();
  const result: PartitionProducers[] = [];
  for (const [topic, list] of byTopic) {
    const leaders = cluster.findLeaderForPartitions(topic, list) as Record<string, number[]>;
    const led = new Set<number>();
    for (const [nodeId, ps] of Object.entries(leaders)) {
      let topics = byLeader.get(nodeId);
      if (topics === undefined) byLeader.set(nodeId, (topics = []));
      topics.push({ topic, partitions: ps });
      for (const p of ps) led.add(p);
    }
    for (const p of list) if (!led.has(p)) result.push(unknown({ topic, partition: p }, 'no leader'));
  }
  await Promise.all(
    [...byLeader].map(async ([nodeId, topics]) => {
      const asked = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
      let response: DescribeProducersResponse;
      try {
        const broker = (await cluster.findBroker({ nodeId })) as unknown as KafkajsBroker;
        const range = broker.versions?.[DESCRIBE_PRODUCERS_API_KEY];
        if (range === undefined || range.minVersion > DESCRIBE_PRODUCERS_API_VERSION || range.maxVersion < DESCRIBE_PRODUCERS_API_VERSION) {
          result.push(...asked.map((tp) => unknown(tp, `broker ${nodeId} lacks DescribeProducers v${DESCRIBE_PRODUCERS_API_VERSION}`)));
          return;
        }
        response = await sendToBroker(broker, describeProducersRequest(topics.map((t) => ({ topic: t.topic, partitions: t.partitions }))));
      } catch (error) {
        result.push(...asked.map((tp) => unknown(tp, `broker ${nodeId}: ${describeError(error)}`)));
        return;
      }
      const answered = new Map(response.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p]));
      for (const tp of asked) {
        const described = answered.get(`${tp.topic}\u0000${tp.partition}`);
        if (described === undefined) result.push(unknown(tp, 'missing from the answer'));
        else if (described.errorCode !== 0) result.push(unknown(tp, `error code ${described.errorCode}${described.errorMessage === null ? '' : `: ${described.errorMessage}`}`));
        else result.push({ ...tp, known: true, producers: described.activeProducers });
      }
    }),
  );
  return result;
}

export async function partitionsWithOpenTransaction(cluster: Cluster, producerId: bigint, partitions: readonly TopicPartition[], log: KafkaLogger): Promise<TopicPartition[]> {
  const described = await describePartitionProducers(cluster, partitions);
  const open: TopicPartition[] = [];
  for (const d of described) {
    if (!d.known) {
      log.debug({ producerId: String(producerId), topic: d.topic, partition: d.partition, why: d.why }, 'describing producers: no certain answer; the partition counts as open');
      open.push({ topic: d.topic, partition: d.partition });
    } else if (d.producers.some((p) => p.producerId === producerId && p.currentTxnStartOffset >= 0n)) {
      open.push({ topic: d.topic, partition: d.partition });
    }
  }
  return open;
}

/**
 * The partition of the group offsets topic that holds a group's offsets: Java's String.hashCode of the group id,
 * its sign bit cleared, modulo the topic's partition count (as the group coordinator places groups).
 */
export function groupOffsetsPartition(groupId: string, partitionCount: number): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  return (hash & 0x7fffffff) % partitionCount;
}

function describeProducersRequest(topics: readonly { topic: string; partitions: readonly number[] }[]): KafkajsProtocolRequest<DescribeProducersResponse> {
  const api = { key: DESCRIBE_PRODUCERS_API_KEY, version: DESCRIBE_PRODUCERS_API_VERSION, name: 'DescribeProducers' };
  return encodedRequest(api, encodeDescribeProducersRequest(topics), decodeDescribeProducersResponse);
}
