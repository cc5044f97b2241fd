import { TopologyError } from '../errors/index.ts';
import type { Serde } from '../serde/serde.ts';
import { json } from '../serde/builtin.ts';
import { changeSerde } from '../tables/change-serde.ts';
import type { KeyValuePair } from '../tables/key-value-pair.ts';
import { storesOf, type JoinMode, type ValueGetterSpec } from '../tables/value-getter.ts';
import type { GraphNode, TopologyGraph } from './graph.ts';
import { GroupedTable } from './grouped-table.ts';
import { Stream, type Named } from './stream.ts';
import { addTableNode } from './table-nodes.ts';

/** Serdes of the repartition topic a table regrouping writes (JSON by default). */
export interface TableGroupOptions<K, V> extends Named {
  readonly key?: Serde<K>;
  readonly value?: Serde<V>;
}

/**
 * A table: the latest value per key, changing over time. From `t.table(topic)` (materialized from a topic,
 * null values deleting keys), from an aggregation (`groupByKey().count()`) or derived from another table.
 * Table operators pass each change on with the key's old and new value, so a downstream aggregate can
 * subtract the old one; `toStream()` turns the changes into records of new values (null for a delete).
 */
export class Table<K, V> {
  /** @internal */
  constructor(
    /** @internal */ readonly graph: TopologyGraph,
    /** @internal */ readonly node: GraphNode,
    /** @internal How to read this table's current value for a key (joins look it up). */
    readonly getter: ValueGetterSpec,
  ) {}

  /** Every change as a record: the new value, or null when the key was deleted. */
  toStream(options?: Named): Stream<K, V | null> {
    const node = addTableNode(this.graph, [this.node], 'to-stream', options?.name, () => ({ type: 'table-to-stream', options: {} }));
    return new Stream<K, V | null>(this.graph, node, false);
  }

  /** Maps every value (the old and the new of each change). Returning null deletes the key. */
  mapValues<V2>(fn: (value: V, key: K) => V2, options?: Named): Table<K, V2> {
    const f = fn as (v: unknown, k: unknown) => unknown;
    const node = addTableNode(this.graph, [this.node], 'table-map-values', options?.name, () => ({ type: 'table-map-values', options: { fn: f } }));
    return new Table<K, V2>(this.graph, node, { kind: 'map-values', parent: this.getter, fn: f });
  }

  /** Keeps the keys whose value passes; a key that was present and no longer passes is deleted (a tombstone downstream). */
  filter(predicate: (key: K, value: V) => boolean, options?: Named): Table<K, V> {
    const p = predicate as (k: unknown, v: unknown) => boolean;
    const node = addTableNode(this.graph, [this.node], 'table-filter', options?.name, () => ({ type: 'table-filter', options: { predicate: p } }));
    return new Table<K, V>(this.graph, node, { kind: 'filter', parent: this.getter, predicate: p });
  }

  /**
   * Regroups the table under a new key (return `keyValue(newKey, newValue)` to change the value too) for
   * `aggregate(initializer, adder, subtractor)`, `count()` or `reduce(adder, subtractor)`. Always through a
   * repartition topic carrying old and new values, so an update moves its value from the old group to the new.
   */
  groupBy<K2, V2 = V>(selector: (key: K, value: V) => K2 | KeyValuePair<K2, V2>, options: TableGroupOptions<K2, V2> = {}): GroupedTable<K2, V2> {
    if (typeof selector !== 'function') throw new TopologyError('table groupBy() needs a selector function (key, value) => newKey');
    const select = selector as (k: unknown, v: unknown) => unknown;
    const regroup = addTableNode(this.graph, [this.node], 'table-regroup', options.name === undefined ? undefined : `${options.name}-select`, () => ({
      type: 'table-regroup',
      options: { selector: select },
    }));
    const repartition = this.graph.add({
      type: 'repartition',
      id: this.graph.nextId(),
      name: this.graph.claimName(options.name, 'repartition'),
      parents: [regroup],
      children: [],
      keySerde: (options.key ?? json<K2>()) as Serde<unknown>,
      valueSerde: changeSerde((options.value ?? json<V2>()) as Serde<unknown>) as Serde<unknown>,
      partitions: undefined,
    });
    return new GroupedTable<K2, V2>(this.graph, repartition);
  }

  /** Inner join with another table of the same key: a result while both have a value for the key. */
  join<V2, R>(other: Table<K, V2>, joiner: (value: V, otherValue: V2, key: K) => R, options?: Named): Table<K, R> {
    return this.joinWith('inner', other, joiner as (l: unknown, r: unknown, k: unknown) => unknown, options);
  }

  /** Left join: a result while this table has a value for the key; the other value may be null. */
  leftJoin<V2, R>(other: Table<K, V2>, joiner: (value: V, otherValue: V2 | null, key: K) => R, options?: Named): Table<K, R> {
    return this.joinWith('left', other, joiner as (l: unknown, r: unknown, k: unknown) => unknown, options);
  }

  /** Outer join: a result while either table has a value for the key; the missing side is null. */
  outerJoin<V2, R>(other: Table<K, V2>, joiner: (value: V | null, otherValue: V2 | null, key: K) => R, options?: Named): Table<K, R> {
    return this.joinWith('outer', other, joiner as (l: unknown, r: unknown, k: unknown) => unknown, options);
  }

  private joinWith<R>(mode: JoinMode, other: Table<K, unknown>, joiner: (l: unknown, r: unknown, k: unknown) => unknown, options: Named | undefined): Table<K, R> {
    if (!(other instanceof Table)) throw new TopologyError(`table ${mode === 'inner' ? 'join' : `${mode}Join`}() needs another table (from t.table(...), an aggregation or a table operator)`);
    if (other.graph !== this.graph) throw new TopologyError('the two tables of a join come from different topologies');
    if (typeof joiner !== 'function') throw new TopologyError('table join() needs a joiner function (value, otherValue, key) => result');
    const left = this.getter;
    const right = other.getter;
    const node = addTableNode(this.graph, [this.node, other.node], `table-${mode}-join`, options?.name, () => ({
      type: 'table-table-join',
      options: { mode, left, right, joiner },
      lookups: [...new Set([...storesOf(left), ...storesOf(right)])],
    }));
    return new Table<K, R>(this.graph, node, { kind: 'join', mode, left, right, joiner });
  }
}
