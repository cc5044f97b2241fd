import type { GraphNode } from '../dsl/graph.ts';
import type { OperatorDescription, StoreDescription, TopicDescription, TopicEdge, TopologyDescription } from './description.ts';
import { transactionalIdFor } from './names.ts';
import type { Plan, Subtopology } from './plan.ts';
import type { ResolvedPartitions } from './partitions.ts';

function kindOf(node: GraphNode): string {
  switch (node.type) {
    case 'source':
      return 'source';
    case 'sink':
      return 'sink';
    case 'repartition':
      return 'repartition';
    case 'operator':
      if (node.spec.kind === 'globalJoin') return node.spec.join === 'inner' ? 'global-join' : 'global-left-join';
      return node.spec.kind === 'stateful' ? node.spec.operator.type : node.spec.kind;
  }
}

/**
 * The topic ends of a sub-topology's graph: the topics it reads, each into its entry node, then the topics its
 * nodes write (sinks, changelogs, late topics and, through `<name>-sink`, repartition topics read elsewhere).
 */
function topicEdges(plan: Plan, sub: Subtopology): TopicEdge[] {
  const edges: TopicEdge[] = sub.entries.map((entry) => ({ direction: 'read', topic: entry.topic, operator: entry.node.name }));
  const write = (operator: string, topic: string | undefined): void => {
    if (topic !== undefined) edges.push({ direction: 'write', topic, operator });
  };
  for (const node of sub.nodes) {
    if (node.type === 'sink') write(node.name, node.topic);
    // A global-table join reads the table's whole topic (every instance, outside the group), beside its stream.
    if (node.type === 'operator' && node.spec.kind === 'globalJoin') {
      const table = node.spec.table;
      const topic = plan.globalTables.find((g) => g.name === table)?.topic;
      if (topic !== undefined) edges.push({ direction: 'read', topic, operator: node.name });
    }
    if (node.type === 'operator' && node.spec.kind === 'stateful') {
      for (const store of node.spec.operator.stores) write(node.name, plan.changelogTopics.get(store.name));
      write(node.name, node.spec.operator.lateTopic);
    }
    for (const child of node.children) {
      if (child.type === 'repartition' && !sub.nodes.includes(child)) write(`${child.name}-sink`, plan.repartitionTopics.get(child.id));
    }
  }
  return edges;
}

/** The stores of a sub-topology's stateful operators (built-in and `process()`), each with its changelog. */
function storeChangelogs(plan: Plan, sub: Subtopology): StoreDescription[] {
  const found: StoreDescription[] = [];
  for (const node of sub.nodes) {
    if (node.type !== 'operator' || node.spec.kind !== 'stateful') continue;
    for (const store of node.spec.operator.stores) {
      const source = plan.sourceChangelogs.get(store.name);
      found.push({
        name: store.name,
        kind: store.kind,
        operator: node.name,
        changelogTopic: source ?? (plan.changelogTopics.get(store.name) as string),
        changelogIsSource: source !== undefined,
      });
    }
  }
  return found;
}

/** The plan as JSON for `sluice describe` and /topology; partition counts when known. */
export function describePlan(plan: Plan, partitions?: ResolvedPartitions): TopologyDescription {
  const topics: TopicDescription[] = [];
  const count = (topic: string) => partitions?.topics.get(topic) ?? null;
  for (const t of plan.sourceTopics) topics.push({ name: t, role: 'source', partitions: count(t), internal: false, config: {} });
  for (const g of plan.globalTables) topics.push({ name: g.topic, role: 'global', partitions: count(g.topic), internal: false, config: {} });
  const lateTopics = new Set(plan.subtopologies.flatMap((s) => s.lateTopics));
  for (const t of plan.sinkTopics) {
    topics.push({ name: t, role: lateTopics.has(t) ? 'late' : 'sink', partitions: count(t), internal: false, config: {} });
  }
  for (const t of plan.internalTopics) {
    topics.push({ name: t.name, role: t.role, partitions: count(t.name), internal: true, config: t.config });
  }
  const transactionalIds: string[] = [];
  const subtopologies = plan.subtopologies.map((sub) => {
    const n = partitions?.subtopologies.get(sub.id) ?? null;
    if (n !== null) for (let p = 0; p < n; p++) transactionalIds.push(transactionalIdFor(plan.applicationId, sub.id, p));
    else transactionalIds.push(`${transactionalIdFor(plan.applicationId, sub.id, 0).replace(/_0$/, '')}_<partition>`);
    const operators: OperatorDescription[] = sub.nodes.map((node) => {
      const lookups = node.type === 'operator' && node.spec.kind === 'stateful' ? node.spec.operator.lookups : undefined;
      return {
        name: node.name,
        kind: kindOf(node),
        children: node.children.map((c) => (c.type === 'repartition' && !sub.nodes.includes(c) ? `${c.name}-sink` : c.name)),
        ...(lookups !== undefined && lookups.length > 0 ? { lookups } : {}),
      };
    });
    const storeList = storeChangelogs(plan, sub);
    // A repartition node writing into another sub-topology appears in its writer as a sink of that topic.
    for (const node of sub.nodes) {
      for (const child of node.children) {
        if (child.type === 'repartition' && !sub.nodes.includes(child)) {
          operators.push({ name: `${child.name}-sink`, kind: 'repartition-sink', children: [] });
        }
      }
    }
    return {
      id: sub.id,
      sourceTopics: sub.sourceTopics,
      sinkTopics: sub.sinkTopics,
      partitions: n,
      operators,
      stores: sub.stores.map((s) => s.name),
      storeChangelogs: storeList,
      tables: storeList.filter((s) => s.changelogIsSource).map((s) => ({ operator: s.operator, topic: s.changelogTopic, store: s.name })),
      edges: topicEdges(plan, sub),
    };
  });
  const globalTables = plan.globalTables.map((g) => ({ name: g.name, topic: g.topic, partitions: count(g.topic), joinedBy: g.joinedBy }));
  return { applicationId: plan.applicationId, subtopologies, topics, transactionalIds, ...(globalTables.length > 0 ? { globalTables } : {}) };
}

/** Human-readable form of a description for the terminal. */
export function formatDescription(d: TopologyDescription): string {
  const lines: string[] = [`application ${d.applicationId}`];
  const roles = new Map(d.topics.map((t) => [t.name, t.role]));
  for (const sub of d.subtopologies) {
    lines.push('', `sub-topology ${sub.id}  (${sub.partitions ?? '?'} tasks)`);
    // A global table's topic shows under "looks up" below.
    const reads = sub.edges.filter((e) => e.direction === 'read' && roles.get(e.topic) !== 'global');
    const writes = sub.edges.filter((e) => e.direction === 'write');
    reads.forEach((e, i) => lines.push(`  ${i === 0 ? 'reads ' : '      '} ${e.topic} -> ${e.operator}`));
    for (const op of sub.operators) {
      const lookups = op.lookups === undefined ? '' : `  (looks up ${op.lookups.join(', ')})`;
      lines.push(`  ${op.kind.padEnd(18)} ${op.name}${op.children.length > 0 ? ` -> ${op.children.join(', ')}` : ''}${lookups}`);
    }
    const looked = (d.globalTables ?? []).flatMap((g) => g.joinedBy.filter((j) => j.subtopology === sub.id).map((j) => `${j.operator} -> global table ${g.name} (${g.topic})`));
    looked.forEach((line, i) => lines.push(`  ${i === 0 ? 'looks up' : '        '} ${line}`));
    sub.tables.forEach((t, i) => lines.push(`  ${i === 0 ? 'tables' : '      '} ${t.operator} <- ${t.topic} (store ${t.store})`));
    sub.storeChangelogs.forEach((s, i) =>
      lines.push(`  ${i === 0 ? 'stores' : '      '} ${s.name} (${s.kind}, ${s.operator}) -> ${s.changelogTopic}${s.changelogIsSource ? '  (the source topic: restored from it, nothing written)' : ''}`),
    );
    if (writes.length === 0) lines.push('  writes (nothing)');
    writes.forEach((e, i) => lines.push(`  ${i === 0 ? 'writes' : '      '} ${e.operator} -> ${e.topic}  (${roles.get(e.topic) ?? 'sink'})`));
  }
  if (d.globalTables !== undefined && d.globalTables.length > 0) {
    lines.push('', 'global tables  (every instance reads every partition, outside the group; restored before processing)');
    for (const g of d.globalTables) {
      const by = g.joinedBy.map((j) => `${j.operator} (sub-topology ${j.subtopology})`).join(', ');
      lines.push(`  ${g.name}  <- ${g.topic}  partitions=${g.partitions ?? '?'}  joined by ${by === '' ? '(nothing)' : by}`);
    }
  }
  lines.push('', 'topics');
  for (const t of d.topics) {
    const cfg = Object.entries(t.config).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(`  ${t.role.padEnd(11)} ${t.name}  partitions=${t.partitions ?? '?'}${t.internal ? '  (created by sluice)' : ''}${cfg ? `  ${cfg}` : ''}`);
  }
  lines.push('', 'transactional ids', ...d.transactionalIds.map((id) => `  ${id}`));
  return lines.join('\n');
}
