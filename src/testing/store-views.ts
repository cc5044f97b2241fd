import { TopologyError } from '../errors/index.ts';
import type { KeyValueStore } from '../state/key-value-store.ts';
import type { StateStore } from '../state/state-store.ts';
import type { WindowedEntry } from '../state/windowed-entries.ts';

/** What a test reads of a key-value store, across the driver's tasks (one store per partition). */
export interface KeyValueStoreView<K, V> {
  get(key: K): V | undefined;
  /** Every live entry, by task then insertion order. */
  entries(): (readonly [K, V])[];
  size(): number;
}

/** What a test reads of a window or session store. */
export interface WindowStoreView<K, V> {
  get(key: K, startMs: number, endMs: number): V | undefined;
  /** Every live window, by task then end time. */
  entries(): WindowedEntry<K, V>[];
  size(): number;
}

interface WindowedLike<K, V> extends StateStore {
  get(key: K, startMs: number, endMs: number): V | undefined;
  byEndTime(): IterableIterator<WindowedEntry<K, V>>;
}

function isKeyValue<K, V>(store: StateStore): store is KeyValueStore<K, V> {
  // Window and session stores have no entries() method (their `entries` is the internal index).
  return typeof (store as Partial<KeyValueStore<K, V>>).entries === 'function';
}

function isWindowed<K, V>(store: StateStore): store is WindowedLike<K, V> {
  return typeof (store as Partial<WindowedLike<K, V>>).byEndTime === 'function';
}

/** @internal */
export function keyValueView<K, V>(name: string, stores: readonly StateStore[]): KeyValueStoreView<K, V> {
  const kv = stores.map((s) => {
    if (!isKeyValue<K, V>(s)) throw new TopologyError(`store "${name}" is a window or session store: read it with driver.windowStore("${name}")`);
    return s;
  });
  return {
    get(key) {
      for (const s of kv) {
        const value = s.get(key);
        if (value !== undefined) return value;
      }
      return undefined;
    },
    entries: () => kv.flatMap((s) => [...s.entries()]),
    size: () => kv.reduce((n, s) => n + s.size(), 0),
  };
}

/** @internal */
export function windowView<K, V>(name: string, stores: readonly StateStore[]): WindowStoreView<K, V> {
  const windowed = stores.map((s) => {
    if (!isWindowed<K, V>(s)) throw new TopologyError(`store "${name}" is a key-value store: read it with driver.store("${name}")`);
    return s;
  });
  return {
    get(key, startMs, endMs) {
      for (const s of windowed) {
        const value = s.get(key, startMs, endMs);
        if (value !== undefined) return value;
      }
      return undefined;
    },
    entries: () => windowed.flatMap((s) => [...s.byEndTime()].map((e) => ({ key: e.key, startMs: e.startMs, endMs: e.endMs, value: e.value }))),
    size: () => windowed.reduce((n, s) => n + s.size(), 0),
  };
}
