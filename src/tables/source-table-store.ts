import type { Serde } from '../serde/serde.ts';
import { InMemoryKeyValueStore } from '../state/key-value-store.ts';
import type { ChangelogEntry } from '../state/state-store.ts';
import type { StoreSerde } from '../state/store-serde.ts';

/** A user serde as a store serde against the table's source topic. */
function againstTopic<T>(serde: Serde<T>, topic: string, isKey: boolean): StoreSerde<T> {
  const context = { topic, isKey };
  return {
    encode(value) {
      const bytes = serde.serialize(value, context);
      // Only keys are encoded (ids); a serde that gives null for a key cannot identify it.
      return bytes ?? Buffer.alloc(0);
    },
    decode: (bytes) => serde.deserialize(bytes, context),
  };
}

/**
 * The store of a table read from a topic. Its changelog is the source topic itself, so it logs nothing; it
 * is restored from that topic with the topic's own serdes. A record that does not decode on restore (it was
 * skipped or dead-lettered when first processed) is skipped again; keys are re-encoded with the key serde so
 * a producer's encoding and ours name the same key.
 */
export class SourceTableStore<K, V> extends InMemoryKeyValueStore<K, V> {
  /** Records skipped on restore because they did not decode. */
  skippedOnRestore = 0;
  private readonly keyCodec: StoreSerde<K>;
  private readonly valueCodec: StoreSerde<V>;

  constructor(name: string, topic: string, key: Serde<K>, value: Serde<V>) {
    const keySerde = againstTopic(key, topic, true);
    const valueSerde = againstTopic(value, topic, false);
    super({ name, keySerde, valueSerde, logged: false });
    this.keyCodec = keySerde;
    this.valueCodec = valueSerde;
  }

  override restore(entry: ChangelogEntry): void {
    let key: Buffer;
    let value: Buffer | null = entry.value;
    try {
      key = this.keyCodec.encode(this.keyCodec.decode(entry.key));
      if (value !== null && this.valueCodec.decode(value) === null) value = null;
    } catch {
      this.skippedOnRestore++;
      return;
    }
    super.restore({ key, value });
  }
}
