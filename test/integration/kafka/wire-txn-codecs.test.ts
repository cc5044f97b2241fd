/**
 * The transactional offset codecs (src/kafka/wire/: OffsetFetch v7, AddOffsetsToTxn v1, TxnOffsetCommit v3)
 * against the real broker, sent through kafkajs's own broker connections as sluice sends them.
 *
 * OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for a partition while an open transaction holds
 * offsets for it, and the transaction's offset once it commits. TxnOffsetCommit carries the group generation and
 * member id of the consumer the producer commits for: the group coordinator fences another generation
 * (ILLEGAL_GENERATION, 22) and an unknown member (UNKNOWN_MEMBER_ID, 25), and takes generation -1 with member ""
 * (a producer not tied to a member), in a group with a member as in one that does not exist yet; a generation
 * and member id for a group that does not exist answer ILLEGAL_GENERATION.
 */
import type { Broker, Cluster, Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createInternalCluster } from '../../../src/kafka/kafkajs/internal-cluster.ts';
import { createEosManager, encodedRequest, sendToBroker, type KafkajsBroker, type KafkajsInternalLogger } from '../../../src/kafka/kafkajs/kafkajs-eos-internals.ts';
import { ADD_OFFSETS_TO_TXN_API_KEY, ADD_OFFSETS_TO_TXN_API_VERSION, decodeAddOffsetsToTxnResponse, encodeAddOffsetsToTxnRequest, type AddOffsetsToTxnRequest } from '../../../src/kafka/wire/add-offsets-to-txn.ts';
import { decodeOffsetFetchResponse, encodeOffsetFetchRequest, OFFSET_FETCH_API_KEY, OFFSET_FETCH_API_VERSION, UNSTABLE_OFFSET_COMMIT, type FetchedOffset } from '../../../src/kafka/wire/offset-fetch.ts';
import { decodeTxnOffsetCommitResponse, encodeTxnOffsetCommitRequest, TXN_OFFSET_COMMIT_API_KEY, TXN_OFFSET_COMMIT_API_VERSION, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../../../src/kafka/wire/txn-offset-commit.ts';
import { createTopics, kafka, uniqueName } from '../support/kafka.ts';
import { waitForValue } from '../support/sluice-process.ts';

const ILLEGAL_GENERATION = 22;
const UNKNOWN_MEMBER_ID = 25;
const TRANSACTION_COORDINATOR = 1;

type CoordinatorLookup = (group: { groupId: string; coordinatorType?: number }) => Promise<Broker>;

function supports(broker: Broker, apiKey: number, version: number): boolean {
  const range = (broker as unknown as KafkajsBroker).versions?.[apiKey];
  return range !== undefined && range.minVersion <= version && version <= range.maxVersion;
}

async function groupCoordinator(cluster: Cluster, groupId: string): Promise<Broker> {
  return (cluster.findGroupCoordinator as CoordinatorLookup)({ groupId });
}

async function fetchOffsets(cluster: Cluster, groupId: string, topic: string, partitions: number[], requireStable: boolean): Promise<{ errorCode: number; partitions: FetchedOffset[] }> {
  const broker = await groupCoordinator(cluster, groupId);
  expect(supports(broker, OFFSET_FETCH_API_KEY, OFFSET_FETCH_API_VERSION)).toBe(true);
  const api = { key: OFFSET_FETCH_API_KEY, version: OFFSET_FETCH_API_VERSION, name: 'OffsetFetch' };
  const response = await sendToBroker(broker as unknown as KafkajsBroker, encodedRequest(api, encodeOffsetFetchRequest({ groupId, topics: [{ topic, partitions }], requireStable }), decodeOffsetFetchResponse));
  return { errorCode: response.errorCode, partitions: [...response.partitions].sort((a, b) => a.partition - b.partition) };
}

async function addOffsetsToTxn(cluster: Cluster, request: AddOffsetsToTxnRequest): Promise<number> {
  const broker = await (cluster.findGroupCoordinator as CoordinatorLookup)({ groupId: request.transactionalId, coordinatorType: TRANSACTION_COORDINATOR });
  expect(supports(broker, ADD_OFFSETS_TO_TXN_API_KEY, ADD_OFFSETS_TO_TXN_API_VERSION)).toBe(true);
  const api = { key: ADD_OFFSETS_TO_TXN_API_KEY, version: ADD_OFFSETS_TO_TXN_API_VERSION, name: 'AddOffsetsToTxn' };
  const response = await sendToBroker(broker as unknown as KafkajsBroker, encodedRequest(api, encodeAddOffsetsToTxnRequest(request), decodeAddOffsetsToTxnResponse));
  return response.errorCode;
}

async function txnOffsetCommit(cluster: Cluster, request: TxnOffsetCommitRequest): Promise<TxnOffsetCommitResponse['partitions']> {
  const broker = await groupCoordinator(cluster, request.groupId);
  expect(supports(broker, TXN_OFFSET_COMMIT_API_KEY, TXN_OFFSET_COMMIT_API_VERSION)).toBe(true);
  const api = { key: TXN_OFFSET_COMMIT_API_KEY, version: TXN_OFFSET_COMMIT_API_VERSION, name: 'TxnOffsetCommit' };
  const response = await sendToBroker(broker as unknown as KafkajsBroker, encodedRequest(api, encodeTxnOffsetCommitRequest(request), decodeTxnOffsetCommitResponse));
  return response.partitions;
}

/** A kafkajs consumer that joined `groupId`, with the generation and member id its heartbeats carry. */
async function joinGroup(groupId: string, topic: string): Promise<{ consumer: Consumer; generationId: number; memberId: string }> {
  const consumer = kafka().consumer({ groupId, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  let member: { generationId: number; memberId: string } | undefined;
  consumer.on(consumer.events.HEARTBEAT, (event: { payload: { groupGenerationId: number; memberId: string } }) => {
    member = { generationId: event.payload.groupGenerationId, memberId: event.payload.memberId };
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: () => Promise.resolve() });
  const joined = await waitForValue(() => Promise.resolve(member), 30_000);
  if (joined === undefined) throw new Error(`the consumer did not join ${groupId}`);
  return { consumer, ...joined };
}

describe('OffsetFetch v7 with require_stable (against the broker)', () => {
  it('answers the committed offset, UNSTABLE_OFFSET_COMMIT while an open transaction holds offsets, the transaction\'s offset after its commit', { timeout: 120_000 }, async () => {
    const topic = uniqueName('wire-offsets');
    const groupId = uniqueName('wire-offsets-group');
    await createTopics([{ name: topic, partitions: 2 }]);
    const admin = kafka().admin();
    const client = kafka();
    const cluster = createInternalCluster(client);
    const producer = kafka().producer({ transactionalId: uniqueName('wire-offsets-tx'), idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([admin.connect(), cluster.connect(), producer.connect()]);
    try {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '5' }] });
      expect(await fetchOffsets(cluster, groupId, topic, [0, 1], true)).toEqual({
        errorCode: 0,
        partitions: [
          { topic, partition: 0, committedOffset: 5n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          { topic, partition: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      });

      const txn = await producer.transaction();
      await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '8' }] }] });
      // Open: the stable fetch refuses partition 0 (its offset is about to move) and still answers partition 1.
      const open = await fetchOffsets(cluster, groupId, topic, [0, 1], true);
      expect(open.errorCode).toBe(0);
      expect(open.partitions.map((p) => [p.partition, p.errorCode])).toEqual([[0, UNSTABLE_OFFSET_COMMIT], [1, 0]]);
      expect(open.partitions[0]?.committedOffset).toBe(-1n);
      // Without require_stable the broker answers the offset committed before the transaction.
      const unstable = await fetchOffsets(cluster, groupId, topic, [0], false);
      expect(unstable.partitions.map((p) => [p.partition, p.committedOffset, p.errorCode])).toEqual([[0, 5n, 0]]);

      await txn.commit();
      // The commit marker reaches the offsets partition a moment after EndTxn returns.
      const committed = await waitForValue(async () => {
        const r = await fetchOffsets(cluster, groupId, topic, [0], true);
        return r.partitions[0]?.errorCode === UNSTABLE_OFFSET_COMMIT ? undefined : r;
      });
      expect(committed?.partitions.map((p) => [p.partition, p.committedOffset, p.errorCode])).toEqual([[0, 8n, 0]]);
    } finally {
      await Promise.allSettled([admin.disconnect(), cluster.disconnect(), producer.disconnect()]);
    }
  });
});

describe('AddOffsetsToTxn v1 and TxnOffsetCommit v3 (against the broker)', () => {
  it('commit offsets in a transaction for a member of the group\'s generation; an older generation and an unknown member are fenced', { timeout: 120_000 }, async () => {
    const topic = uniqueName('wire-txn-commit');
    const groupId = uniqueName('wire-txn-commit-group');
    const emptyGroupId = uniqueName('wire-txn-commit-empty');
    const transactionalId = uniqueName('wire-txn-commit-tx');
    await createTopics([{ name: topic, partitions: 4 }]);
    const { consumer, generationId, memberId } = await joinGroup(groupId, topic);
    const client = kafka();
    const cluster = createInternalCluster(client, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await cluster.connect();
    try {
      expect(generationId).toBeGreaterThan(0);
      const eos = createEosManager({ logger: (client.logger() as unknown as KafkajsInternalLogger).namespace('test'), cluster, transactionTimeout: 60_000, transactional: true, transactionalId });
      await eos.initProducerId();
      eos.beginTransaction();
      // A partition in the transaction, so the EosManager's commit sends EndTxn (it skips it for an empty one).
      await eos.addPartitionsToTransaction([{ topic, partitions: [{ partition: 0 }] }]);
      const producer = { transactionalId, producerId: BigInt(String(eos.getProducerId())), producerEpoch: eos.getProducerEpoch() };

      expect(await addOffsetsToTxn(cluster, { ...producer, groupId })).toBe(0);
      const commit = (partition: number, offset: bigint, member: { generationId: number; memberId: string }, group = groupId) =>
        txnOffsetCommit(cluster, { ...producer, groupId: group, ...member, groupInstanceId: null, topics: [{ topic, partitions: [{ partition, offset }] }] });

      // The consumer's generation and member id: accepted.
      expect(await commit(0, 11n, { generationId, memberId })).toEqual([{ topic, partition: 0, errorCode: 0 }]);
      // Another generation (an older member's, or one the group never reached): fenced.
      expect(await commit(1, 12n, { generationId: generationId - 1, memberId })).toEqual([{ topic, partition: 1, errorCode: ILLEGAL_GENERATION }]);
      expect(await commit(1, 12n, { generationId: generationId + 1, memberId })).toEqual([{ topic, partition: 1, errorCode: ILLEGAL_GENERATION }]);
      // A member id the group does not know: fenced before the generation is compared.
      expect(await commit(1, 12n, { generationId, memberId: `${memberId}-gone` })).toEqual([{ topic, partition: 1, errorCode: UNKNOWN_MEMBER_ID }]);
      // Generation -1 and member "": a producer not tied to a member. The broker takes it, even with a member in the group.
      expect(await commit(2, 13n, { generationId: -1, memberId: '' })).toEqual([{ topic, partition: 2, errorCode: 0 }]);

      // A group with no members (it does not exist yet): a generation with a member id is refused with
      // ILLEGAL_GENERATION (the broker does not create a group for it); generation -1 and member "" are taken,
      // and the broker creates the group to hold the offsets.
      expect(await addOffsetsToTxn(cluster, { ...producer, groupId: emptyGroupId })).toBe(0);
      expect(await commit(3, 14n, { generationId: 1, memberId: 'nobody' }, emptyGroupId)).toEqual([{ topic, partition: 3, errorCode: ILLEGAL_GENERATION }]);
      expect(await commit(3, 14n, { generationId: -1, memberId: '' }, emptyGroupId)).toEqual([{ topic, partition: 3, errorCode: 0 }]);

      await eos.commit();
      const committed = await waitForValue(async () => {
        const r = await fetchOffsets(cluster, groupId, topic, [0, 1, 2], true);
        return r.partitions.some((p) => p.errorCode === UNSTABLE_OFFSET_COMMIT) ? undefined : r;
      });
      // The accepted commits count once the transaction commits; the fenced one left no offset.
      expect(committed?.partitions.map((p) => [p.partition, p.committedOffset, p.errorCode])).toEqual([[0, 11n, 0], [1, -1n, 0], [2, 13n, 0]]);
      const empty = await waitForValue(async () => {
        const r = await fetchOffsets(cluster, emptyGroupId, topic, [3], true);
        return r.partitions[0]?.errorCode === UNSTABLE_OFFSET_COMMIT ? undefined : r;
      });
      expect(empty?.partitions.map((p) => [p.partition, p.committedOffset, p.errorCode])).toEqual([[3, 14n, 0]]);
    } finally {
      await Promise.allSettled([cluster.disconnect(), consumer.disconnect()]);
    }
  });
});
