import type { StatefulOperatorSpec } from '../dsl/graph.ts';
import type { Processor } from '../processor/processor.ts';
import type { StateStore } from '../state/state-store.ts';
import { InMemoryWindowStore } from '../state/window-store.ts';
import type { StreamJoinSideSpec } from './join-spec.ts';
import { StreamJoinProcessor } from './stream-join-processor.ts';

export { STREAM_JOIN } from './join-spec.ts';

/**
 * The stores one side of a join declares: its buffer, and on the left side of a left or outer join the shared
 * store of unmatched records. All are window stores (JSON keys and value lists) with changelogs.
 */
export function createStreamJoinStores(spec: StatefulOperatorSpec): StateStore[] {
  return spec.stores.map((store) => new InMemoryWindowStore<unknown, unknown[]>({ name: store.name }));
}

/** The processor of one side of a join. */
export function createStreamJoinProcessor(spec: StatefulOperatorSpec, nodeName: string): Processor {
  return new StreamJoinProcessor(nodeName, spec.options as unknown as StreamJoinSideSpec);
}
