import { AssignerProtocol, type Cluster, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { assignCopartitioned, copartitionedAssigner } from '../../../src/kafka/kafkajs/copartitioned-assigner.ts';

describe('co-partitioned assignment', () => {
  it('gives every topic’s partition p to the same member', () => {
    const members = [
      { memberId: 'b', topics: ['orders', 'customers'] },
      { memberId: 'a', topics: ['orders', 'customers'] },
    ];
    const partitions = new Map([
      ['orders', [0, 1, 2]],
      ['customers', [2, 1, 0]],
    ]);
    expect(assignCopartitioned(members, partitions)).toEqual(
      new Map([
        ['a', { customers: [0, 2], orders: [0, 2] }],
        ['b', { customers: [1], orders: [1] }],
      ]),
    );
  });

  it('assigns a topic only to members subscribed to it, and leaves extra members empty', () => {
    const members = [
      { memberId: 'm1', topics: ['t'] },
      { memberId: 'm2', topics: ['u'] },
      { memberId: 'm3', topics: ['t'] },
      { memberId: 'm4', topics: ['t', 'u'] },
    ];
    const result = assignCopartitioned(
      members,
      new Map([
        ['t', [0, 1]],
        ['u', [0]],
      ]),
    );
    expect(result).toEqual(
      new Map([
        ['m1', { t: [0] }],
        ['m2', { u: [0] }],
        ['m3', { t: [1] }],
        ['m4', {}],
      ]),
    );
  });

  it('speaks the kafkajs assigner protocol', async () => {
    const metadata = (ids: number[]): PartitionMetadata[] => ids.map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const cluster = { findTopicPartitionMetadata: (topic: string) => metadata(topic === 'a' ? [0, 1, 2, 3] : [0, 1, 2, 3]) } as unknown as Cluster;
    const assigner = copartitionedAssigner({ cluster, groupId: 'g', logger: undefined as never });
    const protocol = assigner.protocol({ topics: ['a', 'b'] });
    const members = ['x', 'y'].map((memberId) => ({ memberId, memberMetadata: protocol.metadata }));
    const assignments = await assigner.assign({ members, topics: ['a', 'b'] });
    const decoded = Object.fromEntries(assignments.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]));
    expect(decoded).toEqual({ x: { a: [0, 2], b: [0, 2] }, y: { a: [1, 3], b: [1, 3] } });
  });
});
