import type { StatefulOperatorSpec, StoreSpec } from '../../dsl/graph.ts';
import { TopologyError } from '../../errors/index.ts';
import type { StateStore } from '../../state/state-store.ts';
import type { Processor } from '../processor.ts';

/** Creates the stores a sub-topology's stateful operators declared. */
export function createStores(specs: readonly StoreSpec[]): Map<string, StateStore> {
  const stores = new Map<string, StateStore>();
  for (const spec of specs) throw new TopologyError(`state store kind "${spec.kind}" (${spec.name}) is not supported yet`);
  return stores;
}

/** Builds the processor of a stateful operator. */
export function createStatefulProcessor(spec: StatefulOperatorSpec, nodeName: string): Processor {
  throw new TopologyError(`operator "${nodeName}" of type "${spec.type}" is not supported yet`);
}
