/**
 * Offsets of a transaction sent as a group member in one generation (TxnOffsetCommit v3, KIP-447): the group
 * coordinator refuses them (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID) from a member the group
 * has moved on from. kafkajs's transaction manager sends TxnOffsetCommit without the member, so:
 *   1. kafkajs's own sendOffsets with no topics adds the group to the transaction (AddOffsetsToTxn; kafkajs then
 *      knows the transaction holds offsets and ends it with EndTxn) and commits nothing;
 *   2. sluice's TxnOffsetCommit v3 (src/kafka/wire/txn-offset-commit.ts) carries the offsets and the member.
 * A broker error comes back as kafkajs raises its own (`type`, `code`, `retriable`), so the caller's retry
 * and error mapping apply unchanged.
 */
import type { Cluster } from 'kafkajs';
import type { GroupMember } from '../types.ts';
import { decodeTxnOffsetCommitResponse, encodeTxnOffsetCommitRequest, TXN_OFFSET_COMMIT_API_KEY, TXN_OFFSET_COMMIT_API_VERSION, type TxnOffsetCommitResponse } from '../wire/txn-offset-commit.ts';
import { createErrorFromCode, encodedRequest, sendToBroker, type EosManager, type KafkajsBroker } from './kafkajs-eos-internals.ts';
import type { OffsetsOfTopic } from './producer-session.ts';


export async function sendOffsetsAsMember(cluster: Cluster, eos: EosManager, groupId: string, topics: readonly OffsetsOfTopic[], member: GroupMember): Promise<void> {
  await eos.sendOffsets({ consumerGroupId: groupId, topics: [] });
  const body = encodeTxnOffsetCommitRequest({
    transactionalId: eos.getTransactionalId(),
    groupId,
    producerId: BigInt(eos.getProducerId()),
    producerEpoch: eos.getProducerEpoch(),
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    topics: topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })) })),
  });
  const api = { key: TXN_OFFSET_COMMIT_API_KEY, version: TXN_OFFSET_COMMIT_API_VERSION, name: 'TxnOffsetCommit' };
  const coordinator = (await cluster.findGroupCoordinator({ groupId })) as unknown as KafkajsBroker;
  const response: TxnOffsetCommitResponse = await sendToBroker(coordinator, encodedRequest(api, body, decodeTxnOffsetCommitResponse));
  const failed = response.partitions.find((p) => p.errorCode !== 0);
  if (failed !== undefined) {
    const error = createErrorFromCode(failed.errorCode);
    error.message = `${error.message} (TxnOffsetCommit of ${failed.topic}/${failed.partition} for member ${member.memberId} of generation ${member.generationId})`;
    throw error;
  }
}
