import type { GraphNode, StoreSpec, TopologyGraph } from './graph.ts';

/** Adds a table operator (a StatefulOperatorSpec of a src/tables/ type) with its parents; returns the node. */
export function addTableNode(
  graph: TopologyGraph,
  parents: GraphNode[],
  kind: string,
  preferredName: string | undefined,
  spec: (name: string) => { type: string; stores?: StoreSpec[]; options: object; lookups?: string[] },
): GraphNode {
  const name = graph.claimName(preferredName, kind);
  const { type, stores, options, lookups } = spec(name);
  return graph.add({
    type: 'operator',
    id: graph.nextId(),
    name,
    parents,
    children: [],
    spec: {
      kind: 'stateful',
      operator: { type, stores: stores ?? [], options: options as Readonly<Record<string, unknown>>, ...(lookups !== undefined ? { lookups } : {}) },
    },
  });
}
