/**
 * How a store turns keys and values into changelog bytes. Synchronous: stores encode at drain time (once per
 * key per commit), never per record.
 */
export interface StoreSerde<T> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

/** JSON, the default for keys and values. Deterministic for plain data built the same way. */
export function jsonStoreSerde<T>(): StoreSerde<T> {
  return JSON_SERDE as StoreSerde<T>;
}

const JSON_SERDE: StoreSerde<unknown> = {
  encode(value) {
    return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  },
  decode(bytes) {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  },
};

/**
 * @internal Keys inside a store: `id` is a string identity for in-memory maps (for JSON it is the JSON text
 * itself, so the per-record cost is one JSON.stringify); `bytes` is the changelog form of an id.
 */
export interface KeyCodec<K> {
  id(key: K): string;
  bytes(id: string): Buffer;
  /** The id of changelog key bytes (the restore path: no key object is made). */
  idOf(bytes: Buffer): string;
  /** The key an id stands for. */
  key(id: string): K;
  decode(bytes: Buffer): { readonly id: string; readonly key: K };
}

/** @internal */
export function keyCodecFor<K>(serde: StoreSerde<K> | undefined): KeyCodec<K> {
  if (serde === undefined || serde === JSON_SERDE) return jsonKeys<K>();
  return {
    id: (key) => serde.encode(key).toString('latin1'),
    bytes: (id) => Buffer.from(id, 'latin1'),
    idOf: (bytes) => bytes.toString('latin1'),
    key: (id) => serde.decode(Buffer.from(id, 'latin1')),
    decode: (bytes) => ({ id: bytes.toString('latin1'), key: serde.decode(bytes) }),
  };
}

/**
 * JSON keys. A processor usually asks for the same key several times per record (get, then put; once per
 * window), so the id of the last string or number key is cached (safe: those are immutable values).
 */
function jsonKeys<K>(): KeyCodec<K> {
  let lastKey: unknown;
  let lastId = 'null';
  return {
    id: (key) => {
      if (typeof key !== 'string' && typeof key !== 'number') return JSON.stringify(key) ?? 'null';
      if (key !== lastKey) {
        lastKey = key;
        lastId = JSON.stringify(key);
      }
      return lastId;
    },
    bytes: (id) => Buffer.from(id, 'utf8'),
    idOf: (bytes) => bytes.toString('utf8'),
    key: (id) => JSON.parse(id) as K,
    decode: (bytes) => {
      const id = bytes.toString('utf8');
      return { id, key: JSON.parse(id) as K };
    },
  };
}
