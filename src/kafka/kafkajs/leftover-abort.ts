/**
 * Ends what an earlier producer of a transactional id left open where the coordinator no longer knows of it.
 *
 * A broker shutting down can acknowledge a transaction's EndTxn(commit) and record it complete without writing its
 * markers (the partitions' leaders were already gone from its metadata). After the restart the transaction's records
 * and offsets stay open on their partitions: a read_committed reader stops before them, the group's offsets do not
 * include them, and InitProducerId does not end them (the coordinator thinks the transaction ended). The next commit
 * of the same producer id would then commit them together with its own records: the rebuilt task reprocesses that
 * input from the group's offsets, and its output appears twice.
 *
 * So before a task's producer is used, with its producer id initialised (the epoch bump fences every older producer
 * of the id and ends the transactions the coordinator knows of), sluice asks the leader of every partition the task
 * may have written, and of the group's offsets partition, whether that producer id still has a transaction open
 * there (DescribeProducers, open-transactions.ts). Where one is, it adds those partitions and the group's offsets to
 * a new transaction and aborts it: the coordinator writes an ABORT marker on each, which ends whatever the producer
 * id left open. The wire produce path does this on its own session's transaction manager before its first
 * transaction; kafkajs's producer cannot lend its manager, so for it a manager of its own does it first (one more
 * InitProducerId). A first producer (epoch 0) skips it: nothing can have been left open under a new id. The usual
 * restart costs one DescribeProducers request per broker; an abort, where needed, AddPartitionsToTxn,
 * AddOffsetsToTxn, an empty TxnOffsetCommit, EndTxn and one marker per open partition.
 */
import type { Cluster, Kafka } from 'kafkajs';
import { hasErrorType } from '../client-errors.ts';
import type { KafkaLogger } from '../logger.ts';
import type { TopicPartition, TransactionScope } from '../types.ts';
import { createEosManager, type EosManager, type KafkajsInternalLogger } from './kafkajs-eos-internals.ts';
import { GROUP_OFFSETS_TOPIC, groupOffsetsPartition, partitionsWithOpenTransaction } from './open-transactions.ts';
import { createInternalCluster } from './internal-cluster.ts';
import { retryRequest, type RetryPolicy } from './retry-request.ts';

/** Errors after which the same call succeeds once the coordinator has caught up (the old transaction still ending). */
const RETRIABLE = ['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP'];
const RETRY: RetryPolicy = { attempts: 8, backoffMs: 50, retriable: (error) => hasErrorType(error, ...RETRIABLE) };

/**
 * On a transaction manager whose producer id was just initialised: finds where the producer id still has a
 * transaction open (DescribeProducers on every partition of the scope and on the group's offsets partition) and
 * aborts one transaction over exactly those partitions and the group. Nothing to do for a first producer (epoch 0)
 * or when nothing is open: the usual restart costs one DescribeProducers request per broker.
 */
export async function abortLeftoversWith(eos: EosManager, cluster: Cluster, scope: TransactionScope, log: KafkaLogger): Promise<void> {
  const transactionalId = eos.getTransactionalId();
  const producerEpoch = eos.getProducerEpoch();
  // Epoch 0: the id's first producer ever (a fresh application): nothing can have been left open under it.
  if (producerEpoch === 0) return;
  const producerId = BigInt(String(eos.getProducerId()));
  const offsetsPartition = await groupOffsetsTopicPartition(cluster, scope.groupId);
  const asked = offsetsPartition === undefined ? scope.partitions : [...scope.partitions, offsetsPartition];
  const open = await partitionsWithOpenTransaction(cluster, producerId, asked, log);
  const ids = { transactionalId, producerId: String(producerId), producerEpoch, groupId: scope.groupId };
  // Without the offsets partition's answer the group's side is unknown: the abort then covers the group anyway.
  if (open.length === 0 && offsetsPartition !== undefined) {
    log.debug({ ...ids, partitions: asked.length }, 'nothing left open by earlier producers of the id');
    return;
  }
  const recordPartitions = open.filter((tp) => tp.topic !== GROUP_OFFSETS_TOPIC);
  eos.beginTransaction();
  const byTopic = new Map<string, { partition: number }[]>();
  for (const { topic, partition } of recordPartitions) {
    let partitions = byTopic.get(topic);
    if (partitions === undefined) byTopic.set(topic, (partitions = []));
    partitions.push({ partition });
  }
  const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  if (topics.length > 0) await retryRequest(RETRY, () => eos.addPartitionsToTransaction(topics));
  await retryRequest(RETRY, () => eos.sendOffsets({ consumerGroupId: scope.groupId, topics: [] }));
  await eos.abort();
  log.info(
    { ...ids, open: open.map((tp) => `${tp.topic}/${tp.partition}`), asked: asked.length },
    'aborted a transaction earlier producers of the id left open (its commit markers were lost)',
  );
}

/** The group's partition of the offsets topic, or undefined when its metadata cannot be had. */
async function groupOffsetsTopicPartition(cluster: Cluster, groupId: string): Promise<TopicPartition | undefined> {
  try {
    await cluster.addMultipleTargetTopics([GROUP_OFFSETS_TOPIC]);
    await cluster.refreshMetadataIfNecessary();
    const count = cluster.findTopicPartitionMetadata(GROUP_OFFSETS_TOPIC).length;
    return count > 0 ? { topic: GROUP_OFFSETS_TOPIC, partition: groupOffsetsPartition(groupId, count) } : undefined;
  } catch {
    return undefined;
  }
}

/** The same on a transaction manager of its own, for a producer session that cannot lend its own (kafkajs's producer). */
export async function abortLeftovers(kafka: Kafka, transactionalId: string, transactionTimeoutMs: number, scope: TransactionScope, log: KafkaLogger): Promise<void> {
  const cluster = createInternalCluster(kafka, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  const eos = createEosManager({
    logger: (kafka.logger() as unknown as KafkajsInternalLogger).namespace('LeftoverAbort'),
    cluster,
    transactionTimeout: transactionTimeoutMs,
    transactional: true,
    transactionalId,
  });
  try {
    await cluster.connect();
    await eos.initProducerId();
    await abortLeftoversWith(eos, cluster, scope, log);
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}
