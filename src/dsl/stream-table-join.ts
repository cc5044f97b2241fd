import { TopologyError } from '../errors/index.ts';
import type { Serde } from '../serde/serde.ts';
import { json } from '../serde/builtin.ts';
import type { GraphNode } from './graph.ts';
import { storesOf } from '../tables/value-getter.ts';
import type { Named, Stream } from './stream.ts';
import { Table } from './table.ts';
import { addTableNode } from './table-nodes.ts';

/** Options of `stream.join(table, ...)` and `stream.leftJoin(table, ...)`. */
export interface StreamTableJoinOptions<K, V> extends Named {
  /**
   * Serdes of the repartition topic inserted when the stream's key changed upstream: by default the key serde
   * of the table's topic (equal keys must be equal bytes to meet in one partition) and JSON values.
   */
  readonly key?: Serde<K>;
  readonly value?: Serde<V>;
}

/** The key serde of the topic a node's records come from (its nearest source or repartition ancestor). */
function keySerdeOf(node: GraphNode): Serde<unknown> {
  let current: GraphNode | undefined = node;
  while (current !== undefined && current.type === 'operator') current = current.parents[0];
  return current === undefined || current.type === 'sink' ? json() : current.keySerde;
}

/**
 * Adds a stream–table join: the join node has the stream (parent 0) and the table (parent 1) as parents, so
 * the planner puts both in one sub-topology and one task per partition; table updates reach it and emit
 * nothing. A stream whose key changed upstream is repartitioned first, as a grouping would be.
 */
export function joinStreamWithTable<K, V, VT, R>(
  stream: Stream<K, V>,
  table: Table<K, VT>,
  mode: 'inner' | 'left',
  joiner: (value: V, tableValue: VT, key: K) => R,
  options: StreamTableJoinOptions<K, V> = {},
): { node: ReturnType<typeof addTableNode> } {
  const method = mode === 'inner' ? 'join' : 'leftJoin';
  if (!(table instanceof Table)) throw new TopologyError(`stream ${method}() needs a table (from t.table(...), an aggregation or a table operator)`);
  if (table.graph !== stream.graph) throw new TopologyError(`stream ${method}(): the table comes from another topology`);
  if (typeof joiner !== 'function') throw new TopologyError(`stream ${method}() needs a joiner function (value, tableValue, key) => result`);
  const input = stream.keyChanged
    ? stream.repartition({
        // Equal keys must be equal bytes on both sides to land in the same partition: the table's key serde.
        key: options.key ?? (keySerdeOf(table.node) as Serde<K>),
        ...(options.value !== undefined ? { value: options.value } : {}),
        ...(options.name !== undefined ? { name: `${options.name}-repartition` } : {}),
      })
    : stream;
  const getter = table.getter;
  const node = addTableNode(stream.graph, [input.node, table.node], `stream-table-${mode}-join`, options.name, () => ({
    type: 'stream-table-join',
    options: { mode, table: getter, joiner },
    lookups: storesOf(getter),
  }));
  return { node };
}
