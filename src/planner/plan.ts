import { TopologyError } from '../errors/index.ts';
import type { GraphNode, RepartitionNode, SourceNode, StoreSpec } from '../dsl/graph.ts';
import type { Topology } from '../dsl/define-topology.ts';
import type { GlobalTableSpec } from '../dsl/global-table.ts';
import { internalTopicName, transactionalIdFor } from './names.ts';

/**
 * One independently scheduled piece of the topology: the nodes reachable from its sources without crossing
 * a repartition topic. One task runs it per partition of its (co-partitioned) source topics.
 */
export interface Subtopology {
  readonly id: number;
  /** User source topics and repartition topics this sub-topology reads. */
  readonly sourceTopics: readonly string[];
  /** Entry nodes, one per source topic (a repartition topic's reader is the repartition node itself). */
  readonly entries: readonly PlanEntry[];
  /** Nodes of this sub-topology in graph order (parents before children). */
  readonly nodes: readonly GraphNode[];
  readonly stores: readonly StoreSpec[];
  readonly sinkTopics: readonly string[];
  /** Late topics of its windowed operators. */
  readonly lateTopics: readonly string[];
}

/** Where records of one topic enter a sub-topology. */
export type PlanEntry =
  | { readonly kind: 'source'; readonly topic: string; readonly node: SourceNode }
  | { readonly kind: 'repartition'; readonly topic: string; readonly node: RepartitionNode };

export interface InternalTopic {
  readonly name: string;
  readonly role: 'repartition' | 'changelog' | 'dlq';
  /** How its partition count is decided. */
  readonly partitions:
    | { readonly fixed: number }
    | { readonly sameAsSubtopology: number }
    | { readonly maxOfSubtopology: number }
    /** A join input: the count of the reader's other inputs; the writer's (as maxOfSubtopology) if it has none. */
    | { readonly copartitionWith: number; readonly fallbackMaxOf: number };
  readonly config: Readonly<Record<string, string>>;
}

export interface Plan {
  readonly applicationId: string;
  readonly subtopologies: readonly Subtopology[];
  readonly internalTopics: readonly InternalTopic[];
  /** User topics read (not internal). */
  readonly sourceTopics: readonly string[];
  /** User topics written: sinks and late topics. */
  readonly sinkTopics: readonly string[];
  readonly dlqTopic: string | null;
  /** repartition node id → its topic name. */
  readonly repartitionTopics: ReadonlyMap<number, string>;
  /** store name → its changelog topic (stores with a changelog topic of their own). */
  readonly changelogTopics: ReadonlyMap<string, string>;
  /**
   * store name → the source topic that is its changelog (a table read with `t.table(...)`): nothing is
   * written for such a store; it is restored from that topic up to the group's committed offset.
   */
  readonly sourceChangelogs: ReadonlyMap<string, string>;
  /** Sub-topology id that reads each topic. */
  readonly readerOf: ReadonlyMap<string, number>;
  /** Global tables: read on every instance, outside the group; their topics are in no sub-topology. */
  readonly globalTables: readonly PlannedGlobalTable[];
}

export interface PlannedGlobalTable extends GlobalTableSpec {
  /** Names of the join operators that read it, with the sub-topology of each. */
  readonly joinedBy: readonly { readonly operator: string; readonly subtopology: number }[];
}

export { transactionalIdFor };

/** Splits the graph at repartition topics into sub-topologies and lists every topic the application needs. */
export function plan(topology: Topology): Plan {
  const { applicationId } = topology.options;
  const nodes = topology.graph.nodes;
  // Union-find over nodes; edges out of a repartition node are cut (its children start a new sub-topology,
  // the repartition node itself belongs to the downstream side as its entry).
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[i] !== root) {
      const next = parent[i] as number;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  for (const node of nodes) {
    if (node.type === 'repartition') continue;
    for (const p of node.parents) union(p.id, node.id);
  }
  // A repartition node is the entry of its children's group; group it with them.
  for (const node of nodes) {
    if (node.type !== 'repartition') continue;
    for (const child of node.children) union(node.id, child.id);
  }

  const groups = new Map<number, GraphNode[]>();
  for (const node of nodes) {
    const root = find(node.id);
    const list = groups.get(root) ?? [];
    list.push(node);
    groups.set(root, list);
  }

  const repartitionTopics = new Map<number, string>();
  const changelogTopics = new Map<string, string>();
  const sourceChangelogs = new Map<string, string>();
  const readerOf = new Map<string, number>();
  const subtopologies: Subtopology[] = [];
  const internalTopics: InternalTopic[] = [];
  const storeNames = new Set<string>();
  const sourceTopics = new Set<string>();
  const sinkTopics = new Set<string>();

  for (const node of nodes) {
    if (node.type === 'repartition') repartitionTopics.set(node.id, internalTopicName(applicationId, node.name, 'repartition'));
  }

  const ordered = [...groups.values()].sort((a, b) => (a[0]?.id ?? 0) - (b[0]?.id ?? 0));
  for (const group of ordered) {
    const id = subtopologies.length;
    const entries: PlanEntry[] = [];
    const stores: StoreSpec[] = [];
    const sinks = new Set<string>();
    const lateTopics = new Set<string>();
    for (const node of group) {
      if (node.type === 'source') {
        for (const topic of node.topics) {
          if (readerOf.has(topic)) throw new TopologyError(`topic "${topic}" is read by two stream() calls; read it once and reuse the stream`);
          readerOf.set(topic, id);
          sourceTopics.add(topic);
          entries.push({ kind: 'source', topic, node });
        }
      } else if (node.type === 'repartition') {
        const topic = repartitionTopics.get(node.id) as string;
        readerOf.set(topic, id);
        entries.push({ kind: 'repartition', topic, node });
      } else if (node.type === 'sink') {
        sinks.add(node.topic);
        sinkTopics.add(node.topic);
      } else if (node.spec.kind === 'stateful') {
        for (const store of node.spec.operator.stores) {
          if (storeNames.has(store.name)) throw new TopologyError(`state store "${store.name}" is defined twice; give the operators distinct names`);
          storeNames.add(store.name);
          stores.push(store);
          if (store.sourceTopic !== undefined) {
            if (!group.some((n) => n.type === 'source' && n.topics.includes(store.sourceTopic as string))) {
              throw new TopologyError(`store "${store.name}" has topic "${store.sourceTopic}" as its changelog, but its sub-topology does not read that topic`);
            }
            sourceChangelogs.set(store.name, store.sourceTopic);
            continue;
          }
          const topic = internalTopicName(applicationId, store.name, 'changelog');
          changelogTopics.set(store.name, topic);
          internalTopics.push({
            name: topic,
            role: 'changelog',
            partitions: { sameAsSubtopology: id },
            config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'segment.ms': '600000' },
          });
        }
        if (node.spec.operator.lateTopic !== undefined) {
          lateTopics.add(node.spec.operator.lateTopic);
          sinkTopics.add(node.spec.operator.lateTopic);
        }
      }
    }
    subtopologies.push({
      id,
      sourceTopics: entries.map((e) => e.topic),
      entries,
      nodes: group,
      stores,
      sinkTopics: [...sinks],
      lateTopics: [...lateTopics],
    });
  }

  // The sub-topology writing each repartition topic is the one holding the repartition node's parents.
  for (const [nodeId, topic] of repartitionTopics) {
    const node = nodes[nodeId] as RepartitionNode;
    const writer = node.parents[0];
    if (writer === undefined) continue;
    const writerSub = subtopologies.find((s) => s.nodes.includes(writer));
    if (writerSub === undefined) continue;
    (writerSub.sinkTopics as string[]).push(topic);
    internalTopics.unshift({
      name: topic,
      role: 'repartition',
      partitions:
        node.partitions !== undefined
          ? { fixed: node.partitions }
          : node.copartition === true
            ? { copartitionWith: readerOf.get(topic) as number, fallbackMaxOf: writerSub.id }
            : { maxOfSubtopology: writerSub.id },
      // Records keep their event-time timestamps, which may be old: time-based retention would delete them
      // before they are read. Kept forever here; purging committed records is left to the topic's operator.
      config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
    });
  }

  const needsDlq = topology.options.onError === 'dead-letter';
  const dlqTopic = needsDlq ? `${applicationId}-dlq` : null;
  // Dead letters keep the source record's timestamp; append time makes retention count from when they were written.
  if (dlqTopic !== null) internalTopics.push({ name: dlqTopic, role: 'dlq', partitions: { fixed: 1 }, config: { 'message.timestamp.type': 'LogAppendTime' } });

  const globalTables: PlannedGlobalTable[] = topology.graph.globalTables.map((table) => {
    if (readerOf.has(table.topic)) {
      throw new TopologyError(`topic "${table.topic}" is read both by stream() and by globalTable("${table.topic}"); read it one way`, { context: { topic: table.topic } });
    }
    if (sinkTopics.has(table.topic)) {
      throw new TopologyError(`topic "${table.topic}" of global table "${table.name}" is also written by this topology; a global table reads a topic other applications write`, { context: { topic: table.topic } });
    }
    const joinedBy: { operator: string; subtopology: number }[] = [];
    for (const sub of subtopologies) {
      for (const node of sub.nodes) {
        if (node.type === 'operator' && node.spec.kind === 'globalJoin' && node.spec.table === table.name) joinedBy.push({ operator: node.name, subtopology: sub.id });
      }
    }
    return { ...table, joinedBy };
  });

  for (const topic of sinkTopics) {
    if (readerOf.has(topic)) throw new TopologyError(`topic "${topic}" is both read and written by this topology; use repartition() instead of a loop through a user topic`);
  }

  return {
    applicationId,
    subtopologies,
    internalTopics,
    sourceTopics: [...sourceTopics],
    sinkTopics: [...sinkTopics],
    dlqTopic,
    repartitionTopics,
    changelogTopics,
    sourceChangelogs,
    readerOf,
    globalTables,
  };
}
