import type { GlobalTableSpec } from '../../dsl/global-table.ts';
import { DeserializationError, ProcessingError } from '../../errors/index.ts';
import type { ConsumedRecord } from '../../kafka/types.ts';
import type { SerdeContext } from '../../serde/serde.ts';

interface Entry {
  readonly value: unknown;
  /** The partition the entry came from: a partition read again from its start drops its entries first. */
  readonly partition: number;
}

/** What applying one record did. */
export type ApplyOutcome = 'put' | 'deleted' | 'no-key';

/**
 * The in-memory contents of one global table on one instance: the latest value per key over every partition of
 * its topic, decoded once when the update arrives (a join looks up many times per update). Keys are compared as
 * bytes: a lookup key is serialized with the table's key serde, as Kafka would partition it. Rebuilt from the
 * topic at every start, so nothing is persisted.
 */
export class GlobalTableStore {
  private readonly entries = new Map<string, Entry>();
  private readonly keyContext: SerdeContext;
  private readonly valueContext: SerdeContext;

  constructor(readonly spec: GlobalTableSpec) {
    this.keyContext = { topic: spec.topic, isKey: true };
    this.valueContext = { topic: spec.topic, isKey: false };
  }

  get name(): string {
    return this.spec.name;
  }

  get topic(): string {
    return this.spec.topic;
  }

  /**
   * Applies one record of the topic: a null value deletes the key, any other value replaces it. A record
   * without a key cannot be looked up and is passed over. Throws DeserializationError with the record's
   * coordinates when the value does not decode (the caller applies the topology's error policy).
   */
  apply(partition: number, record: ConsumedRecord): ApplyOutcome {
    if (record.key === null) return 'no-key';
    const key = record.key.toString('latin1');
    if (record.value === null) {
      this.entries.delete(key);
      return 'deleted';
    }
    let value: unknown;
    try {
      value = this.spec.valueSerde.deserialize(record.value, this.valueContext);
    } catch (cause) {
      throw new DeserializationError(`global table "${this.spec.name}": ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
        context: { topic: this.spec.topic, partition, offset: record.offset },
      });
    }
    if (value === null || value === undefined) this.entries.delete(key);
    else this.entries.set(key, { value, partition });
    return value === null || value === undefined ? 'deleted' : 'put';
  }

  /** The current value for a table key, undefined when absent (a null or undefined key matches nothing). */
  get(key: unknown): unknown {
    if (key === null || key === undefined) return undefined;
    let bytes: Buffer | null;
    try {
      bytes = this.spec.keySerde.serialize(key, this.keyContext);
    } catch (cause) {
      throw new ProcessingError(`global table "${this.spec.name}": the lookup key does not serialize with ${this.spec.keySerde.name}: ${(cause as Error).message}`, { cause });
    }
    if (bytes === null) return undefined;
    return this.entries.get(bytes.toString('latin1'))?.value;
  }

  /** Drops the entries that came from `partition` (before it is read again from its start). */
  clearPartition(partition: number): void {
    for (const [key, entry] of this.entries) if (entry.partition === partition) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every entry with its decoded key, for tests and inspection (not the hot path). */
  *entriesDecoded(): IterableIterator<[unknown, unknown]> {
    for (const [key, entry] of this.entries) yield [this.spec.keySerde.deserialize(Buffer.from(key, 'latin1'), this.keyContext), entry.value];
  }
}
