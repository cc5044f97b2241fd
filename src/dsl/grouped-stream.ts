import type { Serde } from '../serde/serde.ts';
import { aggregate as aggregation, count, max, min, reduce, sum, type Aggregation } from '../windows/aggregations.ts';
import type { WindowDefinition } from '../windows/definitions.ts';
import type { EmitMode, Windowed, WindowResult } from '../windows/windowed.ts';
import type { GraphNode, StatefulOperatorSpec, TopologyGraph } from './graph.ts';
import { Stream, type Named } from './stream.ts';
import { Table } from './table.ts';

/** Options of a windowed aggregation. */
export interface WindowedAggregateOptions extends Named {
  /** 'final' (default): one result per window when it closes. 'update': every change, then the final one. */
  readonly emit?: EmitMode;
  /** Topic that receives late records (JSON key and value, headers with window, watermark and lateness). */
  readonly lateTopic?: string;
}

/** Options of a keyed aggregation without windows (a table). */
export type TableAggregateOptions = Named;

function statefulNode(graph: TopologyGraph, parent: GraphNode, kind: string, named: Named | undefined, spec: (name: string) => StatefulOperatorSpec): GraphNode {
  const name = graph.claimName(named?.name, kind);
  return graph.add({ type: 'operator', id: graph.nextId(), name, parents: [parent], children: [], spec: { kind: 'stateful', operator: spec(name) } });
}

/**
 * A stream grouped by key: records with equal keys are in the same task (through a repartition topic when
 * the key changed upstream). Aggregate it as a table, or window it first.
 */
export class GroupedStream<K, V> {
  /** @internal */
  constructor(
    private readonly graph: TopologyGraph,
    private readonly node: GraphNode,
  ) {}

  /** Windows the grouped stream by event time. */
  windowedBy(windows: WindowDefinition): WindowedStream<K, V> {
    return new WindowedStream<K, V>(this.graph, this.node, windows);
  }

  /** Running count per key, as a table: it changes on every record (`toStream()` emits each new count). */
  count(options?: TableAggregateOptions): Table<K, number> {
    return this.aggregateWith(count<K, V>(), options);
  }

  /** Running aggregate per key, as a table changing on every record. Aggregates must be JSON-serializable (they go to the changelog). */
  aggregate<A>(initializer: () => A, add: (key: K, value: V, aggregate: A) => A, options?: TableAggregateOptions): Table<K, A> {
    return this.aggregateWith(aggregation(initializer, add), options);
  }

  /** Running reduce per key, as a table. */
  reduce(fn: (aggregate: V, value: V) => V, options?: TableAggregateOptions): Table<K, V> {
    return this.aggregateWith(reduce<K, V>(fn), options);
  }

  private aggregateWith<A>(agg: Aggregation<K, V, A>, options: TableAggregateOptions | undefined): Table<K, A> {
    let storeName = '';
    const node = statefulNode(this.graph, this.node, 'aggregate', options, (name) => {
      storeName = `${name}-store`;
      return { type: 'table-aggregate', stores: [{ name: storeName, kind: 'key-value' }], options: { storeName, aggregation: agg } };
    });
    return new Table<K, A>(this.graph, node, { kind: 'store', storeName });
  }
}

/** A grouped stream with windows: every aggregation gives one result stream keyed by `Windowed<K>`. */
export class WindowedStream<K, V> {
  /** @internal */
  constructor(
    private readonly graph: TopologyGraph,
    private readonly node: GraphNode,
    private readonly windows: WindowDefinition,
  ) {}

  count(options?: WindowedAggregateOptions): Stream<Windowed<K>, WindowResult<number>> {
    return this.aggregateWith(count<K, V>(), options);
  }

  sum(selector: (value: V) => number, options?: WindowedAggregateOptions): Stream<Windowed<K>, WindowResult<number>> {
    return this.aggregateWith(sum<K, V>(selector), options);
  }

  min(selector: (value: V) => number, options?: WindowedAggregateOptions): Stream<Windowed<K>, WindowResult<number>> {
    return this.aggregateWith(min<K, V>(selector), options);
  }

  max(selector: (value: V) => number, options?: WindowedAggregateOptions): Stream<Windowed<K>, WindowResult<number>> {
    return this.aggregateWith(max<K, V>(selector), options);
  }

  reduce(fn: (aggregate: V, value: V) => V, options?: WindowedAggregateOptions): Stream<Windowed<K>, WindowResult<V>> {
    return this.aggregateWith(reduce<K, V>(fn), options);
  }

  /** `merge` combines two aggregates; session windows need it (sessions merge when a record bridges them). */
  aggregate<A>(
    initializer: () => A,
    add: (key: K, value: V, aggregate: A) => A,
    options?: WindowedAggregateOptions & { readonly merge?: (a: A, b: A) => A },
  ): Stream<Windowed<K>, WindowResult<A>> {
    const agg = options?.merge === undefined ? aggregation(initializer, add) : aggregation(initializer, add, options.merge);
    return this.aggregateWith(agg, options);
  }

  private aggregateWith<A>(agg: Aggregation<K, V, A>, options: WindowedAggregateOptions | undefined): Stream<Windowed<K>, WindowResult<A>> {
    const windows = this.windows;
    const kind = windows.kind === 'session' ? 'session-aggregate' : windows.kind === 'sliding' ? 'sliding-aggregate' : 'window-aggregate';
    const storeKind = windows.kind === 'session' ? 'session' : 'window';
    const node = statefulNode(this.graph, this.node, kind, options, (name) => ({
      type: kind,
      stores: [{ name: `${name}-store`, kind: storeKind }],
      options: { storeName: `${name}-store`, windows, aggregation: agg, emit: options?.emit ?? 'final' },
      ...(options?.lateTopic !== undefined ? { lateTopic: options.lateTopic } : {}),
    }));
    return new Stream<Windowed<K>, WindowResult<A>>(this.graph, node, false);
  }
}

/** Serdes for a grouping that has to go through a repartition topic. */
export interface GroupOptions<K, V> extends Named {
  readonly key?: Serde<K>;
  readonly value?: Serde<V>;
}
