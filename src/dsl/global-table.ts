import type { Serde } from '../serde/serde.ts';

/** Options of `t.globalTable(topic, ...)`. */
export interface GlobalTableOptions<K, V> {
  readonly key: Serde<K>;
  readonly value: Serde<V>;
  /** Names the table in `sluice describe`, metrics and logs; default `global-table-<topic>`. */
  readonly name?: string;
}

/**
 * A table holding the latest value per key of every partition of a topic, on every instance: read outside the
 * consumer group, restored to the topic's end before any task processes, then kept up to date in the background.
 * Tombstones (null values) delete. Join a stream with it (`stream.join(table, ...)`) with no co-partitioning.
 * The topic is the table's changelog: nothing else is written for it.
 */
export class GlobalTable<K, V> {
  /** @internal */
  readonly kind = 'sluice.global-table';
  /** @internal */
  constructor(
    readonly name: string,
    readonly topic: string,
    /** @internal */ readonly keySerde: Serde<K>,
    /** @internal */ readonly valueSerde: Serde<V>,
  ) {}
}

/** What the graph records of a global table. */
export interface GlobalTableSpec {
  readonly name: string;
  readonly topic: string;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
}

export function isGlobalTable(value: unknown): value is GlobalTable<unknown, unknown> {
  return value instanceof GlobalTable;
}
