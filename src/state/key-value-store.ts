import type { ChangelogEntry, StateStore } from './state-store.ts';
import { jsonStoreSerde, keyCodecFor, type KeyCodec, type StoreSerde } from './store-serde.ts';

/** A logged key-value store (tables, non-windowed aggregates). */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  delete(key: K): void;
  /** Live entries in insertion order; do not mutate the store while iterating. */
  entries(): IterableIterator<readonly [K, V]>;
  /** Every live entry in changelog form (snapshots). */
  exportEntries(): Iterable<ChangelogEntry>;
}

export interface StoreOptions<K, V> {
  readonly name: string;
  /** Default JSON. Keys are encoded to the changelog key bytes as-is. */
  readonly keySerde?: StoreSerde<K>;
  /** Default JSON. */
  readonly valueSerde?: StoreSerde<V>;
  /** False for a store whose changelog is written by someone else (a table's source topic): no changes are kept. Default true. */
  readonly logged?: boolean;
}

/**
 * KeyValueStore in a Map. Changes are coalesced per key until drained (the last value wins; a delete is a
 * tombstone) and encoded only at drain time, so a hot key costs one encode per commit.
 *
 * Layout, for memory per key: one Map from the key's id (its changelog form as a string: for JSON keys the
 * JSON text) straight to the value, and a Set of the ids changed since the last drain. No object per entry,
 * and the key is held once, as its id: `entries()` decodes keys from ids when asked (snapshots, views,
 * timers), which is rare next to get/put.
 */
export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string;
  private readonly keys: KeyCodec<K>;
  private readonly values: StoreSerde<V>;
  private readonly map = new Map<string, V>();
  private readonly pending = new Set<string>();
  private readonly logged: boolean;

  constructor(options: StoreOptions<K, V>) {
    this.name = options.name;
    this.logged = options.logged ?? true;
    this.keys = keyCodecFor(options.keySerde);
    this.values = options.valueSerde ?? jsonStoreSerde<V>();
  }

  get(key: K): V | undefined {
    return this.map.get(this.keys.id(key));
  }

  put(key: K, value: V): void {
    const id = this.keys.id(key);
    this.map.set(id, value);
    if (this.logged) this.pending.add(id);
  }

  delete(key: K): void {
    const id = this.keys.id(key);
    this.map.delete(id);
    // Deleting an absent key still logs a tombstone: the changelog may hold a value we never restored.
    if (this.logged) this.pending.add(id);
  }

  *entries(): IterableIterator<readonly [K, V]> {
    for (const [id, value] of this.map) yield [this.keys.key(id), value];
  }

  *exportEntries(): Iterable<ChangelogEntry> {
    for (const [id, value] of this.map) yield { key: this.keys.bytes(id), value: this.values.encode(value) };
  }

  size(): number {
    return this.map.size;
  }

  hasChanges(): boolean {
    return this.pending.size > 0;
  }

  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const id of this.pending) {
      const live = this.map.has(id);
      changes.push({ key: this.keys.bytes(id), value: live ? this.values.encode(this.map.get(id) as V) : null });
    }
    this.pending.clear();
    return changes;
  }

  restore(entry: ChangelogEntry): void {
    const id = this.keys.idOf(entry.key);
    if (entry.value === null) this.map.delete(id);
    else this.map.set(id, this.values.decode(entry.value));
  }

  clear(): void {
    this.map.clear();
    this.pending.clear();
  }
}
