/**
 * The group's partition assignor. A task owns (sub-topology, partition), and a sub-topology that joins two
 * topics needs partition p of both on the same member. kafkajs's round-robin assignor deals topic-partitions
 * out in one long list, so with odd partition counts A-1 and B-1 land on different members. This one hands out
 * partition *numbers*: every topic-partition numbered p goes to the same member (members sorted by id,
 * p modulo their count), restricted to members subscribed to the topic.
 */
import { AssignerProtocol, type Assigner, type GroupMember, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';

export const COPARTITIONED_ASSIGNER_NAME = 'SluiceCopartitioned';
const VERSION = 0;

/** Pure assignment: member id → topic → partitions, for the given partition counts. */
export function assignCopartitioned(
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, Record<string, number[]>>();
  for (const member of sorted) result.set(member.memberId, {});
  const topics = [...partitionsByTopic.keys()].sort();
  for (const topic of topics) {
    const candidates = sorted.filter((member) => member.topics.includes(topic));
    if (candidates.length === 0) continue;
    const partitions = [...(partitionsByTopic.get(topic) ?? [])].sort((a, b) => a - b);
    for (const partition of partitions) {
      const owner = candidates[partition % candidates.length];
      if (owner === undefined) continue;
      const assignment = result.get(owner.memberId) as Record<string, number[]>;
      (assignment[topic] ??= []).push(partition);
    }
  }
  return result;
}

export const copartitionedAssigner: PartitionAssigner = ({ cluster }): Assigner => ({
  name: COPARTITIONED_ASSIGNER_NAME,
  version: VERSION,

  async assign({ members, topics }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
    const subscriptions = members.map(({ memberId, memberMetadata }) => ({
      memberId,
      topics: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? topics,
    }));
    const partitionsByTopic = new Map<string, number[]>();
    for (const topic of new Set(subscriptions.flatMap((s) => s.topics))) {
      partitionsByTopic.set(
        topic,
        cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
      );
    }
    const assignment = assignCopartitioned(subscriptions, partitionsByTopic);
    return [...assignment].map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: VERSION,
        assignment: topicPartitions,
        userData: Buffer.alloc(0),
      }),
    }));
  },

  protocol({ topics }: { topics: string[] }) {
    return {
      name: COPARTITIONED_ASSIGNER_NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.alloc(0) }),
    };
  },
});
