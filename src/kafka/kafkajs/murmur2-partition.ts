/**
 * The producers' partitioner. kafkajs calls it once per record, and its DefaultPartitioner filters the
 * partition metadata on every call before looking at the record; this one returns an explicit partition at
 * once, places keyed records as the Java client does (murmur2 over all partitions), and leaves only keyless
 * records to kafkajs's round-robin.
 */
import { Partitioners, type ICustomPartitioner } from 'kafkajs';
import { murmur2Partition } from '../murmur2.ts';

export { murmur2Partition };

export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const keyless = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const key = message.key;
    if (key !== null && key !== undefined && partitionMetadata.length > 0) {
      return murmur2Partition(Buffer.isBuffer(key) ? key : Buffer.from(key), partitionMetadata.length);
    }
    return keyless(args);
  };
};
