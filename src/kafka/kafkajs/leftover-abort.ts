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
 * So a task's producer, before it is used, initialises the id on a transaction manager of its own (bumping the epoch,
 * which fences every older producer of the id and ends the transactions the coordinator knows of), adds every
 * partition the task may have written and the group's offsets to a new transaction, and aborts it: the coordinator
 * then writes an ABORT marker on each of those partitions, which ends whatever the producer id left open there. The
 * producer's own session is initialised after this (one more epoch bump). This costs an InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, an empty TxnOffsetCommit and EndTxn, and one marker per partition named;
 * skipped (after the InitProducerId) when the id has never been used before (epoch 0).
 */
import type { Kafka } from 'kafkajs';
import { hasErrorType } from '../client-errors.ts';
import type { KafkaLogger } from '../logger.ts';
import type { TransactionScope } from '../types.ts';
import { createEosManager, type KafkajsInternalLogger } from './kafkajs-eos-internals.ts';
import { createInternalCluster } from './internal-cluster.ts';
import { retryRequest, type RetryPolicy } from './retry-request.ts';

/** Errors after which the same call succeeds once the coordinator has caught up (the old transaction still ending). */
const RETRIABLE = ['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP'];
const RETRY: RetryPolicy = { attempts: 8, backoffMs: 50, retriable: (error) => hasErrorType(error, ...RETRIABLE) };

export async function abortLeftovers(kafka: Kafka, transactionalId: string, transactionTimeoutMs: number, scope: TransactionScope, log: KafkaLogger): Promise<void> {
  const byTopic = new Map<string, { partition: number }[]>();
  for (const { topic, partition } of scope.partitions) {
    let partitions = byTopic.get(topic);
    if (partitions === undefined) byTopic.set(topic, (partitions = []));
    partitions.push({ partition });
  }
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
    // Epoch 0: the id's first producer ever (a fresh application): nothing can have been left open under it. This
    // keeps a first start with many tasks from writing an abort marker per task on every partition it writes.
    if (eos.getProducerEpoch() === 0) return;
    eos.beginTransaction();
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    if (topics.length > 0) await retryRequest(RETRY, () => eos.addPartitionsToTransaction(topics));
    await retryRequest(RETRY, () => eos.sendOffsets({ consumerGroupId: scope.groupId, topics: [] }));
    await eos.abort();
    log.debug({ transactionalId, producerId: String(eos.getProducerId()), producerEpoch: eos.getProducerEpoch(), partitions: scope.partitions.length, groupId: scope.groupId }, 'aborted what earlier producers of the id may have left open');
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}
