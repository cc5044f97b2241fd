import { TopologyError } from '../errors/index.ts';
import type { GraphNode, TopologyGraph } from './graph.ts';
import type { GlobalTable } from './global-table.ts';

/** A stream–global-table join as data (OperatorSpec kind 'globalJoin'); executed by runtime/global/. */
export interface GlobalJoinSpec {
  readonly kind: 'globalJoin';
  /** Name of the global table (GlobalTableSpec.name). */
  readonly table: string;
  /** The table key to look up for a stream record; null or undefined: no match. */
  readonly keySelector: (key: unknown, value: unknown) => unknown;
  readonly joiner: (value: unknown, tableValue: unknown, key: unknown) => unknown;
  /** 'inner' drops stream records without a match; 'left' joins them with null. */
  readonly join: 'inner' | 'left';
}

/**
 * Adds the join node for `stream.join(globalTable, ...)` / `leftJoin`: the stream keeps its key and partitioning
 * (no repartition, no co-partitioning), each record is joined with the table's value at processing time.
 */
export function addGlobalJoin(
  graph: TopologyGraph,
  parent: GraphNode,
  table: GlobalTable<unknown, unknown>,
  keySelector: unknown,
  joiner: unknown,
  join: 'inner' | 'left',
  name: string | undefined,
): GraphNode {
  const method = join === 'inner' ? 'join' : 'leftJoin';
  if (!graph.globalTables.some((t) => t.name === table.name && t.topic === table.topic)) {
    throw new TopologyError(`${method}(): global table "${table.name}" belongs to another topology (use a table from this topology's t.globalTable(...))`);
  }
  if (typeof keySelector !== 'function' || typeof joiner !== 'function') {
    throw new TopologyError(
      `${method}(globalTable, keySelector, joiner) needs two functions, e.g. ${method}(customers, (key, order) => order.customerId, (order, customer) => ({ ...order, customer }))`,
    );
  }
  return graph.add({
    type: 'operator',
    id: graph.nextId(),
    name: graph.claimName(name, join === 'inner' ? 'global-join' : 'global-left-join'),
    parents: [parent],
    children: [],
    spec: {
      kind: 'globalJoin',
      table: table.name,
      keySelector: keySelector as GlobalJoinSpec['keySelector'],
      joiner: joiner as GlobalJoinSpec['joiner'],
      join,
    },
  });
}
