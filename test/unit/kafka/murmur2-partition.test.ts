import { describe, expect, it } from 'vitest';
import { murmur2Partition } from '../../../src/kafka/index.ts';

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
