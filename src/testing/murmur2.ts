/** The partition the Java client's default partitioner picks for a key: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

function murmur2(data: Buffer): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = ((data[i4] as number) & 0xff) + (((data[i4 + 1] as number) & 0xff) << 8) + (((data[i4 + 2] as number) & 0xff) << 16) + (((data[i4 + 3] as number) & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const index = length4 << 2;
  const rest = length & 3;
  if (rest === 3) h ^= ((data[index + 2] as number) & 0xff) << 16;
  if (rest >= 2) h ^= ((data[index + 1] as number) & 0xff) << 8;
  if (rest >= 1) {
    h ^= (data[index] as number) & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
