import { TopologyError } from '../errors/index.ts';
import { joinStoreNames, STREAM_JOIN, type AnyJoiner, type JoinKind, type StreamJoinSideSpec } from '../joins/join-spec.ts';
import { JoinWindows } from '../windows/definitions.ts';
import type { GraphNode, StoreSpec, TopologyGraph } from './graph.ts';
import type { Serde } from '../serde/serde.ts';
import { Stream, type Named, type RepartitionOptions } from './stream.ts';

/** Options of `join`, `leftJoin` and `outerJoin` between two streams. */
export interface StreamJoinOptions extends Named {
  /** Topic that receives records arriving too late to join (JSON key and value, headers as for windows). */
  readonly lateTopic?: string;
}

const METHOD: Readonly<Record<JoinKind, string>> = { inner: 'join', left: 'leftJoin', outer: 'outerJoin' };

/**
 * Adds a windowed stream–stream join to the graph: `<name>-left` and `<name>-right` (one operator per input,
 * each buffering its side in a changelogged window store and probing the other's) feeding the merge node
 * `<name>`, whose stream is returned. An input whose key changed upstream is first written to
 * `<applicationId>-<name>-<side>-input-repartition`, so equal keys of both sides meet in one task: with the
 * other side's key serde (so equal keys hash alike) and, from the planner, its partition count.
 */
export function joinStreams<K, J>(
  graph: TopologyGraph,
  left: Stream<K, unknown>,
  right: Stream<K, unknown>,
  kind: JoinKind,
  joiner: AnyJoiner,
  windows: JoinWindows,
  options: StreamJoinOptions = {},
): Stream<K, J> {
  const method = METHOD[kind];
  if (!(windows instanceof JoinWindows)) {
    throw new TopologyError(`${method}() needs a join window as its third argument, e.g. joinWindow('10m').grace('1m')`);
  }
  if (typeof joiner !== 'function') throw new TopologyError(`${method}() needs a joiner function (leftValue, rightValue, key) => result`);
  if (options.lateTopic !== undefined && options.lateTopic.trim() === '') throw new TopologyError(`${method}() lateTopic must be a topic name`);
  const name = graph.claimName(options.name, 'join');
  const leftName = graph.claimName(`${name}-left`, 'join');
  const rightName = graph.claimName(`${name}-right`, 'join');
  // A repartitioned side must land its keys in the partitions the other side's keys are in: it takes the other
  // side's key serde (JSON when both were re-keyed) and, in the planner, its partition count.
  const leftInput = left.keyChanged ? left.repartition(repartitionSerdes<K>(`${name}-left-input`, right), true) : left;
  const rightInput = right.keyChanged ? right.repartition(repartitionSerdes<K>(`${name}-right-input`, left), true) : right;
  const stores = joinStoreNames(name);
  const unmatchedStore = kind === 'inner' ? undefined : stores.unmatched;
  const base = {
    kind,
    joiner,
    beforeMs: windows.beforeMs,
    afterMs: windows.afterMs,
    graceMs: windows.graceMs,
    leftStore: stores.left,
    rightStore: stores.right,
    unmatchedStore,
  };
  const leftStores: StoreSpec[] = [{ name: stores.left, kind: 'window' }];
  if (unmatchedStore !== undefined) leftStores.push({ name: unmatchedStore, kind: 'window' });
  const leftNode = side(graph, leftName, leftInput.node, { ...base, side: 'left' }, leftStores, options.lateTopic);
  const rightNode = side(graph, rightName, rightInput.node, { ...base, side: 'right' }, [{ name: stores.right, kind: 'window' }], options.lateTopic);
  const merged = graph.add({ type: 'operator', id: graph.nextId(), name, parents: [leftNode, rightNode], children: [], spec: { kind: 'merge' } });
  return new Stream<K, J>(graph, merged, false);
}

function repartitionSerdes<K>(name: string, other: Stream<K, unknown>): RepartitionOptions<K, unknown> {
  const key = other.keyChanged ? undefined : entryKeySerde(other.node);
  return key === undefined ? { name } : { name, key: key as Serde<K> };
}

/** The key serde records of a not re-keyed stream were partitioned by: that of its source or repartition topic. */
function entryKeySerde(node: GraphNode): Serde<unknown> | undefined {
  let current: GraphNode | undefined = node;
  while (current !== undefined) {
    if (current.type === 'source' || current.type === 'repartition') return current.keySerde;
    current = current.parents[0];
  }
  return undefined;
}

function side(graph: TopologyGraph, name: string, parent: GraphNode, spec: StreamJoinSideSpec, stores: StoreSpec[], lateTopic: string | undefined): GraphNode {
  return graph.add({
    type: 'operator',
    id: graph.nextId(),
    name,
    parents: [parent],
    children: [],
    spec: {
      kind: 'stateful',
      operator: {
        type: STREAM_JOIN,
        stores,
        options: spec as unknown as Readonly<Record<string, unknown>>,
        ...(lateTopic !== undefined ? { lateTopic } : {}),
      },
    },
  });
}
