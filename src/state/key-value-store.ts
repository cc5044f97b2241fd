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

interface Slot<K, V> {
  readonly id: string;
  readonly key: K;
  value: V;
  live: boolean;
  /** Already in `pending` with this slot: further puts only change `value`. */
  logged: boolean;
}

/**
 * KeyValueStore in a Map. Changes are coalesced per key until drained (the last value wins; a delete is a
 * tombstone) and encoded only at drain time, so a hot key costs one encode per commit.
 */
export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string;
  private readonly keys: KeyCodec<K>;
  private readonly values: StoreSerde<V>;
  private readonly slots = new Map<string, Slot<K, V>>();
  private readonly pending = new Map<string, Slot<K, V>>();
  private readonly logged: boolean;

  constructor(options: StoreOptions<K, V>) {
    this.name = options.name;
    this.logged = options.logged ?? true;
    this.keys = keyCodecFor(options.keySerde);
    this.values = options.valueSerde ?? jsonStoreSerde<V>();
  }

  get(key: K): V | undefined {
    return this.slots.get(this.keys.id(key))?.value;
  }

  put(key: K, value: V): void {
    this.write(this.keys.id(key), key, value, this.logged);
  }

  delete(key: K): void {
    this.remove(this.keys.id(key), this.logged);
  }

  *entries(): IterableIterator<readonly [K, V]> {
    for (const slot of this.slots.values()) yield [slot.key, slot.value];
  }

  *exportEntries(): Iterable<ChangelogEntry> {
    for (const slot of this.slots.values()) yield { key: this.keys.bytes(slot.id), value: this.values.encode(slot.value) };
  }

  size(): number {
    return this.slots.size;
  }

  hasChanges(): boolean {
    return this.pending.size > 0;
  }

  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const slot of this.pending.values()) {
      slot.logged = false;
      changes.push({ key: this.keys.bytes(slot.id), value: slot.live ? this.values.encode(slot.value) : null });
    }
    this.pending.clear();
    return changes;
  }

  restore(entry: ChangelogEntry): void {
    const { id, key } = this.keys.decode(entry.key);
    if (entry.value === null) this.remove(id, false);
    else this.write(id, key, this.values.decode(entry.value), false);
  }

  clear(): void {
    this.slots.clear();
    this.pending.clear();
  }

  private write(id: string, key: K, value: V, log: boolean): void {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = { id, key, value, live: true, logged: false };
      this.slots.set(id, slot);
    } else {
      slot.value = value;
    }
    if (log && !slot.logged) {
      slot.logged = true;
      this.pending.set(id, slot);
    }
  }

  private remove(id: string, log: boolean): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) {
      this.slots.delete(id);
      slot.live = false;
    }
    if (!log) return;
    if (slot !== undefined) {
      slot.logged = true;
      this.pending.set(id, slot);
    } else if (!this.pending.has(id)) {
      // Deleting an absent key still logs a tombstone: the changelog may hold a value we never restored.
      this.pending.set(id, { id, key: undefined as K, value: undefined as V, live: false, logged: true });
    }
  }
}
