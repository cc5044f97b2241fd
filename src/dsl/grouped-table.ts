import { TopologyError } from '../errors/index.ts';
import type { GraphNode, TopologyGraph } from './graph.ts';
import type { Named } from './stream.ts';
import { Table } from './table.ts';
import { addTableNode } from './table-nodes.ts';

/** A table regrouped under a new key (`table.groupBy(...)`): aggregate it with an adder and a subtractor. */
export class GroupedTable<K, V> {
  /** @internal */
  constructor(
    private readonly graph: TopologyGraph,
    /** The repartition node carrying the changes. */
    private readonly node: GraphNode,
  ) {}

  /**
   * Aggregate per group: `adder` takes a value that joined the group, `subtractor` one that left it (an
   * update moving a row, or a delete). Aggregates must be JSON-serializable (they go to the changelog).
   */
  aggregate<A>(initializer: () => A, adder: (key: K, value: V, aggregate: A) => A, subtractor: (key: K, value: V, aggregate: A) => A, options?: Named): Table<K, A> {
    if (typeof initializer !== 'function' || typeof adder !== 'function' || typeof subtractor !== 'function') {
      throw new TopologyError('grouped table aggregate() needs an initializer, an adder and a subtractor function');
    }
    return this.withAggregate('aggregate', initializer, adder as never, subtractor as never, options);
  }

  /** Rows per group. */
  count(options?: Named): Table<K, number> {
    return this.withAggregate('aggregate', () => 0, ((_k: K, _v: V, n: number) => n + 1) as never, ((_k: K, _v: V, n: number) => n - 1) as never, options);
  }

  /** Reduce per group: the first value starts the aggregate; `subtractor` removes a value that left the group. */
  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, options?: Named): Table<K, V> {
    if (typeof adder !== 'function' || typeof subtractor !== 'function') throw new TopologyError('grouped table reduce() needs an adder and a subtractor function');
    return this.withAggregate('reduce', () => null, ((_k: K, v: V, a: V) => adder(a, v)) as never, ((_k: K, v: V, a: V) => subtractor(a, v)) as never, options);
  }

  private withAggregate<A>(
    mode: 'aggregate' | 'reduce',
    initializer: () => unknown,
    adder: (key: unknown, value: unknown, aggregate: unknown) => unknown,
    subtractor: (key: unknown, value: unknown, aggregate: unknown) => unknown,
    options: Named | undefined,
  ): Table<K, A> {
    let storeName = '';
    const node = addTableNode(this.graph, [this.node], 'table-aggregate', options?.name, (name) => {
      storeName = `${name}-store`;
      return {
        type: 'table-regroup-aggregate',
        stores: [{ name: storeName, kind: 'key-value' }],
        options: { storeName, mode, initializer, adder, subtractor },
      };
    });
    return new Table<K, A>(this.graph, node, { kind: 'store', storeName });
  }
}
