import { TopologyError } from '../errors/index.ts';
import type { Serde } from '../serde/serde.ts';
import { json } from '../serde/builtin.ts';
import type { GraphNode, OperatorSpec, TopologyGraph } from './graph.ts';
import { GroupedStream, type GroupOptions } from './grouped-stream.ts';
import { isGlobalTable, type GlobalTable } from './global-table.ts';
import { addGlobalJoin } from './stream-global-join.ts';
import { timerStoreName, type ProcessorSpecOptions } from './processor-spec.ts';
import type { StreamProcessor } from '../processor/stream-processor.ts';
import type { StoreDefinition } from '../state/store-definitions.ts';
import type { AnyJoiner } from '../joins/join-spec.ts';
import type { JoinWindows } from '../windows/definitions.ts';
import { joinStreams, type StreamJoinOptions } from './stream-stream-join.ts';
import { Table } from './table.ts';
import { joinStreamWithTable, type StreamTableJoinOptions } from './stream-table-join.ts';

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

/** Every operator accepts an optional name; named operators keep stable internal topic names across changes. */
export interface Named {
  readonly name?: string;
}

export interface SinkOptions<K, V> extends Named {
  readonly key: Serde<K>;
  readonly value: Serde<V>;
}

export interface RepartitionOptions<K, V> extends Named {
  /** Serdes for the repartition topic; JSON by default. */
  readonly key?: Serde<K>;
  readonly value?: Serde<V>;
  /** Partition count; by default the largest partition count among the upstream source topics. */
  readonly partitions?: number;
}

/** Options of `stream.process(...)`. */
export interface ProcessOptions<S extends StoreDefinition> extends Named {
  /** The stores the processor uses (from `stores.keyValue(...)`, `stores.window(...)`); each is changelogged. */
  readonly stores?: readonly S[];
}

/**
 * A typed stream of records with keys K and values V. Every method adds a node to the topology graph and
 * returns a new stream; nothing runs until the topology is started.
 */
export class Stream<K, V> {
  /** @internal */
  constructor(
    /** @internal */ readonly graph: TopologyGraph,
    /** @internal */ readonly node: GraphNode,
    /** @internal True when an upstream operator changed the key since the last repartition. */
    readonly keyChanged: boolean,
  ) {}

  private op<K2, V2>(kind: string, spec: OperatorSpec, named: Named | undefined, keyChanged: boolean, parents: GraphNode[] = [this.node]): Stream<K2, V2> {
    const node = this.graph.add({
      type: 'operator',
      id: this.graph.nextId(),
      name: this.graph.claimName(named?.name, kind),
      parents,
      children: [],
      spec,
    });
    return new Stream<K2, V2>(this.graph, node, keyChanged);
  }

  /** Changes key and value. The key changes, so a later grouping goes through a repartition topic. */
  map<K2, V2>(fn: (key: K, value: V) => KeyValue<K2, V2>, options?: Named): Stream<K2, V2> {
    return this.op('map', { kind: 'map', fn: fn as (k: unknown, v: unknown) => KeyValue<unknown, unknown> }, options, true);
  }

  mapValues<V2>(fn: (value: V, key: K) => V2, options?: Named): Stream<K, V2> {
    return this.op('map-values', { kind: 'mapValues', fn: fn as (v: unknown, k: unknown) => unknown }, options, this.keyChanged);
  }

  /** Sets a new key. A later grouping goes through a repartition topic (as does an explicit `repartition()`). */
  selectKey<K2>(fn: (key: K, value: V) => K2, options?: Named): Stream<K2, V> {
    return this.op('select-key', { kind: 'selectKey', fn: fn as (k: unknown, v: unknown) => unknown }, options, true);
  }

  filter<V2 extends V>(predicate: (key: K, value: V) => value is V2, options?: Named): Stream<K, V2>;
  filter(predicate: (key: K, value: V) => boolean, options?: Named): Stream<K, V>;
  filter(predicate: (key: K, value: V) => boolean, options?: Named): Stream<K, V> {
    return this.op('filter', { kind: 'filter', fn: predicate as (k: unknown, v: unknown) => boolean }, options, this.keyChanged);
  }

  flatMap<K2, V2>(fn: (key: K, value: V) => Iterable<KeyValue<K2, V2>>, options?: Named): Stream<K2, V2> {
    return this.op('flat-map', { kind: 'flatMap', fn: fn as (k: unknown, v: unknown) => Iterable<KeyValue<unknown, unknown>> }, options, true);
  }

  flatMapValues<V2>(fn: (value: V, key: K) => Iterable<V2>, options?: Named): Stream<K, V2> {
    return this.op('flat-map-values', { kind: 'flatMapValues', fn: fn as (v: unknown, k: unknown) => Iterable<unknown> }, options, this.keyChanged);
  }

  /** Sees every record without changing it (logging, metrics). */
  peek(fn: (key: K, value: V) => void, options?: Named): Stream<K, V> {
    return this.op('peek', { kind: 'peek', fn: fn as (k: unknown, v: unknown) => void }, options, this.keyChanged);
  }

  /**
   * Splits the stream by named predicates; a record goes to the first branch whose predicate holds. Records
   * matching none go to `otherwise` when given, else they are dropped.
   */
  branch<const B extends string>(
    predicates: Readonly<Record<B, (key: K, value: V) => boolean>>,
    options?: { readonly otherwise?: string } & Named,
  ): Record<B, Stream<K, V>> & Record<string, Stream<K, V> | undefined> {
    const names = Object.keys(predicates) as B[];
    if (names.length === 0) throw new TopologyError('branch() needs at least one named predicate');
    const earlier: ((k: unknown, v: unknown) => boolean)[] = [];
    const result: Record<string, Stream<K, V>> = {};
    const prefix = options?.name ?? `branch-${this.graph.nextId()}`;
    for (const name of names) {
      const predicate = predicates[name] as (k: unknown, v: unknown) => boolean;
      result[name] = this.op('branch', { kind: 'branch', predicate, earlier: [...earlier] }, { name: `${prefix}-${name}` }, this.keyChanged);
      earlier.push(predicate);
    }
    if (options?.otherwise !== undefined) {
      const all = [...earlier];
      result[options.otherwise] = this.op('branch', { kind: 'branch', predicate: () => true, earlier: all }, { name: `${prefix}-${options.otherwise}` }, this.keyChanged);
    }
    return result as Record<B, Stream<K, V>> & Record<string, Stream<K, V> | undefined>;
  }

  /**
   * Runs a processor of your own: `factory` is called once per task; the processor gets each record, forwards
   * what it wants (typed K2, V2), keeps state in the stores it declares and schedules timers. The key may change,
   * so a later grouping repartitions. Besides the declared stores it gets `<name>-timers` for `timers.at`.
   */
  process<K2, V2, S extends StoreDefinition = StoreDefinition>(factory: () => StreamProcessor<K, V, K2, V2, S>, options: ProcessOptions<S> = {}): Stream<K2, V2> {
    if (typeof factory !== 'function') throw new TopologyError('process() needs a factory function returning a processor, e.g. process(() => new Dedup(), { stores: [seen] })');
    const definitions: StoreDefinition[] = [...(options.stores ?? [])];
    const names = new Set<string>();
    for (const d of definitions) {
      if (d === undefined || (d.kind !== 'key-value' && d.kind !== 'window') || typeof d.create !== 'function') {
        throw new TopologyError('process() stores must come from stores.keyValue(...) or stores.window(...)');
      }
      if (names.has(d.name)) throw new TopologyError(`process() declares store "${d.name}" twice`);
      names.add(d.name);
    }
    const name = this.graph.claimName(options.name, 'process');
    const timerStore = timerStoreName(name);
    const specOptions: ProcessorSpecOptions = {
      factory: factory as unknown as ProcessorSpecOptions['factory'],
      definitions,
      timerStore,
    };
    const node = this.graph.add({
      type: 'operator',
      id: this.graph.nextId(),
      name,
      parents: [this.node],
      children: [],
      spec: {
        kind: 'stateful',
        operator: {
          type: 'processor',
          stores: [...definitions.map((d) => ({ name: d.name, kind: d.kind })), { name: timerStore, kind: 'key-value' as const }],
          options: specOptions as unknown as Readonly<Record<string, unknown>>,
        },
      },
    });
    return new Stream<K2, V2>(this.graph, node, true);
  }

  /** Interleaves this stream with others of the same types. */
  merge(...others: Stream<K, V>[]): Stream<K, V> {
    const changed = this.keyChanged || others.some((s) => s.keyChanged);
    return this.op('merge', { kind: 'merge' }, undefined, changed, [this.node, ...others.map((s) => s.node)]);
  }

  /**
   * Writes the stream to `<applicationId>-<name>-repartition`, partitioned by the current key, and reads it back
   * in a new sub-topology: records with equal keys then meet in the same task.
   */
  repartition(options: RepartitionOptions<K, V> = {}, /** @internal */ copartition = false): Stream<K, V> {
    if (options.partitions !== undefined && (!Number.isInteger(options.partitions) || options.partitions < 1)) {
      throw new TopologyError(`repartition partitions must be a positive integer (got ${String(options.partitions)})`);
    }
    const node = this.graph.add({
      type: 'repartition',
      id: this.graph.nextId(),
      name: this.graph.claimName(options.name, 'repartition'),
      parents: [this.node],
      children: [],
      keySerde: (options.key ?? json<K>()) as Serde<unknown>,
      valueSerde: (options.value ?? json<V>()) as Serde<unknown>,
      partitions: options.partitions,
      ...(copartition ? { copartition } : {}),
    });
    return new Stream<K, V>(this.graph, node, false);
  }

  /**
   * Groups by the current key for aggregation. When an upstream operator changed the key, records first go
   * through a repartition topic (named after `options.name`, JSON serdes unless given) so equal keys meet.
   */
  groupByKey(options: GroupOptions<K, V> = {}): GroupedStream<K, V> {
    const source = this.keyChanged ? this.repartition({ ...options, ...(options.name !== undefined ? { name: options.name } : {}) }) : this;
    return new GroupedStream<K, V>(this.graph, source.node);
  }

  /** Groups by a new key; always through a repartition topic. */
  groupBy<K2>(fn: (key: K, value: V) => K2, options: GroupOptions<K2, V> = {}): GroupedStream<K2, V> {
    return this.selectKey(fn).groupByKey(options);
  }

  /**
   * Joins this stream with another stream, a table, or a global table.
   *
   * With a stream (windowed inner join, same key type): every pair of records with equal keys whose times are
   * within `windows` (`joinWindow('10m')`: |tLeft − tRight| <= 10 min) gives `joiner(leftValue, rightValue,
   * key)`, at the later of the two times, as soon as the second one arrives. A side whose key changed upstream
   * goes through a repartition topic first. Values are buffered in changelogged stores: they must be
   * JSON-serializable. See docs/joins-stream-stream.md.
   *
   * With a table (`t.table(...)`, an aggregation): each record is joined with the table's current value for
   * its key when the record is processed; a record whose key is not in the table is dropped, and table updates
   * alone emit nothing. The stream and the table must be co-partitioned (equal partition counts, same key
   * bytes); a stream whose key changed upstream goes through a repartition topic first.
   * See docs/tables-and-joins.md.
   *
   * With a global table: each record joins the table's current value for `keySelector(key, value)` (records
   * without a match are dropped). The key and partitioning stay: no repartition, no co-partitioning. The result
   * depends on which table updates have arrived when the record is processed (see docs/global-tables.md).
   */
  join<V2, R>(other: Stream<K, V2>, joiner: (leftValue: V, rightValue: V2, key: K) => R, windows: JoinWindows, options?: StreamJoinOptions): Stream<K, R>;
  join<VT, R>(table: Table<K, VT>, joiner: (value: V, tableValue: VT, key: K) => R, options?: StreamTableJoinOptions<K, V>): Stream<K, R>;
  join<GK, GV, R>(table: GlobalTable<GK, GV>, keySelector: (key: K, value: V) => GK | null | undefined, joiner: (value: V, tableValue: GV, key: K) => R, options?: Named): Stream<K, R>;
  join(other: unknown, a: unknown, b?: unknown, c?: unknown): Stream<K, unknown> {
    if (other instanceof Stream) return joinStreams<K, unknown>(this.graph, this, other, 'inner', a as AnyJoiner, b as JoinWindows, c as StreamJoinOptions | undefined);
    if (other instanceof Table) return new Stream<K, unknown>(this.graph, joinStreamWithTable(this, other, 'inner', a as (value: V, tableValue: unknown, key: K) => unknown, b as StreamTableJoinOptions<K, V> | undefined).node, false);
    if (isGlobalTable(other)) return new Stream(this.graph, addGlobalJoin(this.graph, this.node, other, a, b, 'inner', (c as Named | undefined)?.name), this.keyChanged);
    throw new TopologyError('join() takes a stream (with a joinWindow), a table, or a global table from t.globalTable(...) as its first argument');
  }

  /**
   * As `join`, and a record without a match is joined with null: with a stream, a left record that joined
   * nothing is emitted once as `joiner(leftValue, null, key)`, at its own time, when its window has closed
   * (watermark past its time + after + grace); with a table or a global table, at once.
   */
  leftJoin<V2, R>(other: Stream<K, V2>, joiner: (leftValue: V, rightValue: V2 | null, key: K) => R, windows: JoinWindows, options?: StreamJoinOptions): Stream<K, R>;
  leftJoin<VT, R>(table: Table<K, VT>, joiner: (value: V, tableValue: VT | null, key: K) => R, options?: StreamTableJoinOptions<K, V>): Stream<K, R>;
  leftJoin<GK, GV, R>(table: GlobalTable<GK, GV>, keySelector: (key: K, value: V) => GK | null | undefined, joiner: (value: V, tableValue: GV | null, key: K) => R, options?: Named): Stream<K, R>;
  leftJoin(other: unknown, a: unknown, b?: unknown, c?: unknown): Stream<K, unknown> {
    if (other instanceof Stream) return joinStreams<K, unknown>(this.graph, this, other, 'left', a as AnyJoiner, b as JoinWindows, c as StreamJoinOptions | undefined);
    if (other instanceof Table) return new Stream<K, unknown>(this.graph, joinStreamWithTable(this, other, 'left', a as (value: V, tableValue: unknown, key: K) => unknown, b as StreamTableJoinOptions<K, V> | undefined).node, false);
    if (isGlobalTable(other)) return new Stream(this.graph, addGlobalJoin(this.graph, this.node, other, a, b, 'left', (c as Named | undefined)?.name), this.keyChanged);
    throw new TopologyError('leftJoin() takes a stream (with a joinWindow), a table, or a global table from t.globalTable(...) as its first argument');
  }

  /** As `leftJoin` with a stream, for unmatched records of both sides (`joiner(null, rightValue, key)` for the right). */
  outerJoin<V2, R>(other: Stream<K, V2>, joiner: (leftValue: V | null, rightValue: V2 | null, key: K) => R, windows: JoinWindows, options?: StreamJoinOptions): Stream<K, R> {
    if (other instanceof Stream) return joinStreams<K, R>(this.graph, this, other, 'outer', joiner as AnyJoiner, windows, options);
    throw new TopologyError('outerJoin() needs a stream to join with');
  }

  /** Writes every record to `topic` with the given serdes. */
  to(topic: string, options: SinkOptions<K, V>): void {
    if (topic.trim() === '') throw new TopologyError('to() needs a topic name');
    this.graph.add({
      type: 'sink',
      id: this.graph.nextId(),
      name: this.graph.claimName(options.name, 'sink'),
      parents: [this.node],
      children: [],
      topic,
      keySerde: options.key as Serde<unknown>,
      valueSerde: options.value as Serde<unknown>,
    });
  }
}
