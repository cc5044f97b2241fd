import { TopologyError } from '../errors/index.ts';
import type { Serde } from '../serde/serde.ts';
import { InMemoryKeyValueStore, type KeyValueStore } from './key-value-store.ts';
import type { StoreSerde } from './store-serde.ts';
import { InMemoryWindowStore, type WindowStore } from './window-store.ts';

/** What a processor may do with a key-value store (the changelog plumbing stays with the runtime). */
export type ProcessorKeyValueStore<K, V> = Pick<KeyValueStore<K, V>, 'name' | 'get' | 'put' | 'delete' | 'entries' | 'size'>;

/** What a processor may do with a window store. */
export type ProcessorWindowStore<K, V> = Pick<WindowStore<K, V>, 'name' | 'get' | 'put' | 'delete' | 'fetch' | 'expire' | 'byEndTime' | 'size'>;

/** Serdes of a store's changelog records; JSON when left out. */
export interface StoreSerdes<K, V> {
  readonly key?: Serde<K>;
  readonly value?: Serde<V>;
}

interface DefinitionBase<Kind extends string> {
  readonly kind: Kind;
  /** Store name: unique in the topology; its changelog is `<applicationId>-<name>-changelog`. */
  readonly name: string;
}

/** A typed key-value store a processor declares in `process(..., { stores })`. Create with `stores.keyValue`. */
export interface KeyValueStoreDefinition<K, V> extends DefinitionBase<'key-value'> {
  /** @internal One store per task, encoding with the serdes against its changelog topic. */
  create(changelogTopic: string): KeyValueStore<K, V>;
}

/** A typed window store (values per key and `[startMs, endMs)`). Create with `stores.window`. */
export interface WindowStoreDefinition<K, V> extends DefinitionBase<'window'> {
  /** @internal */
  create(changelogTopic: string): WindowStore<K, V>;
}

/** Any store definition (store methods are bivariant, so every typed definition is one). */
export type StoreDefinition = KeyValueStoreDefinition<unknown, unknown> | WindowStoreDefinition<unknown, unknown>;

/** The store a definition gives a processor. */
export type StoreOf<D> =
  D extends KeyValueStoreDefinition<infer K, infer V> ? ProcessorKeyValueStore<K, V> : D extends WindowStoreDefinition<infer K, infer V> ? ProcessorWindowStore<K, V> : never;

const STORE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

function checkName(name: string): void {
  if (typeof name !== 'string' || !STORE_NAME.test(name)) {
    throw new TopologyError(`store name "${String(name)}" is invalid (expected 1-200 letters, digits, ".", "_" or "-"; it names the changelog topic)`);
  }
}

/** A user serde as a store serde: synchronous, against the changelog topic; null is not a stored value. */
function storeSerde<T>(serde: Serde<T> | undefined, topic: string, isKey: boolean, store: string): StoreSerde<T> | undefined {
  if (serde === undefined) return undefined;
  const context = { topic, isKey };
  return {
    encode(value) {
      const bytes = serde.serialize(value, context);
      if (bytes === null) throw new TopologyError(`store "${store}": the ${isKey ? 'key' : 'value'} serde ${serde.name} gave null (delete the key instead of storing null)`);
      return bytes;
    },
    decode: (bytes) => serde.deserialize(bytes, context),
  };
}

/**
 * Typed factories for the stores of `stream.process(...)`. Every store is changelogged in
 * `<applicationId>-<name>-changelog` and restored from it like the built-in aggregate stores.
 *
 * ```ts
 * const seen = stores.keyValue<string, number>('seen-ids', { key: serdes.string(), value: serdes.json() });
 * ```
 */
export const stores = {
  keyValue<K, V>(name: string, serdes: StoreSerdes<K, V> = {}): KeyValueStoreDefinition<K, V> {
    checkName(name);
    return {
      kind: 'key-value',
      name,
      create(topic) {
        const keySerde = storeSerde(serdes.key, topic, true, name);
        const valueSerde = storeSerde(serdes.value, topic, false, name);
        return new InMemoryKeyValueStore<K, V>({ name, ...(keySerde !== undefined ? { keySerde } : {}), ...(valueSerde !== undefined ? { valueSerde } : {}) });
      },
    };
  },

  window<K, V>(name: string, serdes: StoreSerdes<K, V> = {}): WindowStoreDefinition<K, V> {
    checkName(name);
    return {
      kind: 'window',
      name,
      create(topic) {
        const keySerde = storeSerde(serdes.key, topic, true, name);
        const valueSerde = storeSerde(serdes.value, topic, false, name);
        return new InMemoryWindowStore<K, V>({ name, ...(keySerde !== undefined ? { keySerde } : {}), ...(valueSerde !== undefined ? { valueSerde } : {}) });
      },
    };
  },
};
