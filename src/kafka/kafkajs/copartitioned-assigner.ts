/**
 * The group's partition assignor as a kafkajs PartitionAssigner: the assignment itself (co-partitioned, sticky)
 * is src/kafka/copartitioned-assignment.ts; this reads the members' subscriptions and the partition counts from
 * kafkajs and encodes the result.
 */
import { AssignerProtocol, type Assigner, type GroupMember, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';
import { assignCopartitioned, COPARTITIONED_ASSIGNER_NAME, COPARTITIONED_ASSIGNER_VERSION as VERSION, decodeOwned, encodeOwned } from '../copartitioned-assignment.ts';

export { COPARTITIONED_ASSIGNER_NAME };

/** The kafkajs assigner; `owned` tells which partition numbers this member holds now (sent when it joins). */
export function copartitionedAssigner(owned: () => readonly number[] = () => []): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name: COPARTITIONED_ASSIGNER_NAME,
    version: VERSION,

    async assign({ members, topics }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
      const subscriptions = members.map(({ memberId, memberMetadata }) => {
        const metadata = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        return { memberId, topics: metadata?.topics ?? topics, owned: decodeOwned(metadata?.userData) };
      });
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
        metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: encodeOwned(owned()) }),
      };
    },
  });
}
