import { describe, expect, it } from 'vitest';
import { murmur2Partition } from '../../../src/kafka/index.ts';
import { javaCompatiblePartitioner } from '../../../src/kafka/kafkajs/murmur2-partition.ts';

// murmur2 values from Kafka's own tests (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java),
// turned into partitions as the Java DefaultPartitioner does: (hash & 0x7fffffff) % partitions.
const javaHashes: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('murmur2Partition', () => {
  it.each(javaHashes)('places %s as the Java client does', (key, hash) => {
    for (const partitions of [1, 3, 8, 12, 100]) {
      expect(murmur2Partition(Buffer.from(key), partitions)).toBe((hash & 0x7fffffff) % partitions);
    }
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => murmur2Partition(Buffer.from('k'), 0)).toThrow(RangeError);
    expect(() => murmur2Partition(Buffer.from('k'), 1.5)).toThrow(RangeError);
  });
});

describe('the producers’ partitioner', () => {
  const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  const partition = javaCompatiblePartitioner();

  it('keeps an explicit partition, and places keyed records like the Java client', () => {
    expect(partition({ topic: 't', partitionMetadata, message: { key: Buffer.from('foobar'), value: null, partition: 3 } })).toBe(3);
    for (const [key, hash] of javaHashes) {
      expect(partition({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } })).toBe((hash & 0x7fffffff) % 4);
      expect(partition({ topic: 't', partitionMetadata, message: { key, value: null } })).toBe((hash & 0x7fffffff) % 4);
    }
  });

  it('spreads keyless records over the partitions', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) seen.add(partition({ topic: 't', partitionMetadata, message: { key: null, value: null } }));
    expect(seen.size).toBe(4);
  });
});
