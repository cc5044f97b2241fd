import { TopologyError } from '../errors/index.ts';
import type { Serde } from '../serde/serde.ts';
import type { GlobalTableSpec } from './global-table.ts';
import type { GlobalJoinSpec } from './stream-global-join.ts';

/** Extracts event time from a record; default is the Kafka record timestamp. */
export type TimestampExtractor<K, V> = (value: V, key: K, recordTimestampMs: number) => number;

/**
 * What an operator does, as data. The DSL only records these; runtime/operators/ turns each into a
 * Processor. Functions are typed loosely here because the typed edge is the Stream API.
 */
export type OperatorSpec =
  | { readonly kind: 'map'; readonly fn: (key: unknown, value: unknown) => { key: unknown; value: unknown } }
  | { readonly kind: 'mapValues'; readonly fn: (value: unknown, key: unknown) => unknown }
  | { readonly kind: 'selectKey'; readonly fn: (key: unknown, value: unknown) => unknown }
  | { readonly kind: 'filter'; readonly fn: (key: unknown, value: unknown) => boolean }
  | { readonly kind: 'flatMap'; readonly fn: (key: unknown, value: unknown) => Iterable<{ key: unknown; value: unknown }> }
  | { readonly kind: 'flatMapValues'; readonly fn: (value: unknown, key: unknown) => Iterable<unknown> }
  | { readonly kind: 'peek'; readonly fn: (key: unknown, value: unknown) => void }
  | { readonly kind: 'branch'; readonly predicate: (key: unknown, value: unknown) => boolean; readonly earlier: readonly ((key: unknown, value: unknown) => boolean)[] }
  | { readonly kind: 'merge' }
  | { readonly kind: 'stateful'; readonly operator: StatefulOperatorSpec }
  | GlobalJoinSpec;

/**
 * A stateful operator (aggregations, windows). `type` selects the processor in runtime/operators/;
 * `stores` are the stores it owns (each gets a changelog topic).
 */
export interface StatefulOperatorSpec {
  readonly type: string;
  readonly stores: readonly StoreSpec[];
  readonly options: Readonly<Record<string, unknown>>;
  /** Topic where late records go, if the user named one. */
  readonly lateTopic?: string;
  /** Stores of other operators this one reads (a join looking up a table's current value). */
  readonly lookups?: readonly string[];
}

export interface StoreSpec {
  readonly name: string;
  readonly kind: 'key-value' | 'window' | 'session';
  /**
   * The store of a table read from a topic: that source topic is its changelog. The store gets no changelog
   * topic of its own and writes nothing; a (re)built task restores it from the source topic partition up to
   * the group's committed offset, then processes from there.
   */
  readonly sourceTopic?: string;
}

interface NodeBase {
  readonly id: number;
  readonly name: string;
  readonly parents: GraphNode[];
  readonly children: GraphNode[];
}

export interface SourceNode extends NodeBase {
  readonly type: 'source';
  readonly topics: readonly string[];
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly timestamp: TimestampExtractor<unknown, unknown> | undefined;
  /** Read by `t.table(...)`: a null value is a tombstone and never reaches the value serde. */
  readonly table?: boolean;
}

export interface OperatorNode extends NodeBase {
  readonly type: 'operator';
  readonly spec: OperatorSpec;
}

/** Writes to `<applicationId>-<name>-repartition`; its children read from there in a new sub-topology. */
export interface RepartitionNode extends NodeBase {
  readonly type: 'repartition';
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly partitions: number | undefined;
  /**
   * Set by joins: without fixed `partitions` the topic takes the partition count of the other inputs of the
   * sub-topology reading it (co-partitioning), and the writer's only when every input is such a topic.
   */
  readonly copartition?: boolean;
}

export interface SinkNode extends NodeBase {
  readonly type: 'sink';
  readonly topic: string;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
}

export type GraphNode = SourceNode | OperatorNode | RepartitionNode | SinkNode;

/** The logical graph a topology module builds: pure data, no network. */
export class TopologyGraph {
  readonly nodes: GraphNode[] = [];
  /** Global tables (t.globalTable): not nodes of the stream graph; every instance reads all of their partitions. */
  readonly globalTables: GlobalTableSpec[] = [];
  private readonly names = new Set<string>();

  nextId(): number {
    return this.nodes.length;
  }

  /** Reserves a unique node name; `preferred` names must be unique, generated ones get a suffix. */
  claimName(preferred: string | undefined, kind: string): string {
    if (preferred !== undefined) {
      if (this.names.has(preferred)) throw new TopologyError(`operator name "${preferred}" is used twice (names must be unique)`);
      this.names.add(preferred);
      return preferred;
    }
    const name = `${kind}-${this.nodes.length}`;
    this.names.add(name);
    return name;
  }

  add<N extends GraphNode>(node: N): N {
    this.nodes.push(node);
    for (const parent of node.parents) parent.children.push(node);
    return node;
  }
}
