import { AssignerProtocol, type Cluster, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { assignCopartitioned } from '../../../src/kafka/copartitioned-assignment.ts';
import { copartitionedAssigner } from '../../../src/kafka/kafkajs/copartitioned-assigner.ts';

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
    const assigner = copartitionedAssigner()({ cluster, groupId: 'g', logger: undefined as never });
    const protocol = assigner.protocol({ topics: ['a', 'b'] });
    const members = ['x', 'y'].map((memberId) => ({ memberId, memberMetadata: protocol.metadata }));
    const assignments = await assigner.assign({ members, topics: ['a', 'b'] });
    const decoded = Object.fromEntries(assignments.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]));
    expect(decoded).toEqual({ x: { a: [0, 2], b: [0, 2] }, y: { a: [1, 3], b: [1, 3] } });
  });

  it('is sticky: a member joining or leaving moves only the partitions it must', () => {
    const partitions = new Map([
      ['in', [0, 1, 2, 3]],
      ['app-by-user-repartition', [0, 1, 2, 3]],
    ]);
    const topics = ['in', 'app-by-user-repartition'];
    const joined = assignCopartitioned(
      [
        { memberId: 'a', topics, owned: [0, 2] },
        { memberId: 'b', topics, owned: [1, 3] },
        { memberId: 'c', topics, owned: [] },
      ],
      partitions,
    );
    expect(joined.get('a')?.in).toEqual([0, 2]);
    expect(joined.get('b')?.in).toEqual([1]);
    expect(joined.get('c')?.in).toEqual([3]);
    expect(joined.get('c')?.['app-by-user-repartition']).toEqual([3]);
    const left = assignCopartitioned(
      [
        { memberId: 'b', topics, owned: [1] },
        { memberId: 'c', topics, owned: [3] },
      ],
      partitions,
    );
    expect(left.get('b')?.in).toEqual([0, 1]);
    expect(left.get('c')?.in).toEqual([2, 3]);
  });

  it('always balances: every member gets floor(n/m) or ceil(n/m) partition numbers, each number once', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 12);
      const m = 1 + Math.floor(random() * 5);
      const members = Array.from({ length: m }, (_, i) => ({
        memberId: `m${i}`,
        topics: ['t'],
        owned: Array.from({ length: n }, (_, p) => p).filter(() => random() < 0.4),
      }));
      const result = assignCopartitioned(members, new Map([['t', Array.from({ length: n }, (_, p) => p)]]));
      const counts = [...result.values()].map((a) => a.t?.length ?? 0);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      expect([...result.values()].flatMap((a) => a.t ?? []).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, p) => p));
    }
  });
});
