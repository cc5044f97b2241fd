/**
 * A Map holding at most `capacity` entries; adding past that drops the oldest entries, except those whose keys
 * are in `keep` (the schema ids of the batch being prepared, which must stay until it is deserialized).
 * Reads do not reorder entries, so a lookup on the per-record path is one Map.get.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  set(key: K, value: V, keep?: ReadonlySet<K>): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      for (const candidate of this.entries.keys()) {
        if (this.entries.size <= this.capacity) break;
        if (candidate === key || keep?.has(candidate) === true) continue;
        this.entries.delete(candidate);
      }
    }
    return this;
  }
}
