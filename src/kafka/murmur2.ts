/**
 * The Java client's default placement of a keyed record: toPositive(murmur2(key)) % partitions. Pure, so the
 * in-memory test driver and the kafkajs adapter place records the same way as every other Kafka client.
 */
export function murmur2Partition(key: Buffer, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partition count must be a positive integer (got ${partitions})`);
  }
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = (data[i4] as number) | ((data[i4 + 1] as number) << 8) | ((data[i4 + 2] as number) << 16) | ((data[i4 + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const index = length4 << 2;
  const rest = length & 3;
  if (rest === 3) h ^= (data[index + 2] as number) << 16;
  if (rest >= 2) h ^= (data[index + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[index] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
