/**
 * The Java client's default partition for a keyed record: toPositive(murmur2(key)) % partitions. Reuses
 * kafkajs's DefaultPartitioner (its murmur2 is the Java one); the in-memory test driver needs the same placement.
 */
import { Partitioners, type PartitionMetadata } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadataByCount = new Map<number, PartitionMetadata[]>();

function metadataFor(partitions: number): PartitionMetadata[] {
  let metadata = metadataByCount.get(partitions);
  if (metadata === undefined) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    metadataByCount.set(partitions, metadata);
  }
  return metadata;
}

export function murmur2Partition(key: Buffer, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partition count must be a positive integer (got ${partitions})`);
  }
  return partitioner({ topic: '', partitionMetadata: metadataFor(partitions), message: { key, value: null } });
}
