import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, tumbling, type Topology, type WindowResult } from '../../../src/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import type { TopicEdge, TopologyDescription } from '../../../src/planner/description.ts';
import { plan } from '../../../src/planner/plan.ts';

const s = { key: serdes.string(), value: serdes.json<{ user: string; n: number }>() };
const out = { key: serdes.string(), value: serdes.json<{ user: string; n: number }>() };

const read = (topic: string, operator: string): TopicEdge => ({ direction: 'read', topic, operator });
const write = (operator: string, topic: string): TopicEdge => ({ direction: 'write', topic, operator });

const cases: { name: string; topology: Topology; edges: TopicEdge[][] }[] = [
  {
    name: 'a stateless pipeline: source topic into the source node, the sink node into its topic',
    topology: defineTopology({ applicationId: 'app' }, (t) => {
      t.stream('in', { ...s, name: 'in-source' }).filter((_, v) => v.n > 0, { name: 'positive' }).to('out', { ...out, name: 'to-out' });
    }),
    edges: [[read('in', 'in-source'), write('to-out', 'out')]],
  },
  {
    name: 'a repartition: written by <name>-sink upstream, read by the repartition node downstream',
    topology: defineTopology({ applicationId: 'app' }, (t) => {
      t.stream('in', s)
        .selectKey((_, v) => v.user, { name: 'by-user-key' })
        .repartition({ name: 'by-user', key: serdes.string(), value: s.value })
        .to('out', { ...out, name: 'to-out' });
    }),
    edges: [
      [read('in', 'source-0'), write('by-user-sink', 'app-by-user-repartition')],
      [read('app-by-user-repartition', 'by-user'), write('to-out', 'out')],
    ],
  },
  {
    name: 'a windowed count: changelog and late topic from the window operator',
    topology: defineTopology({ applicationId: 'pv' }, (t) => {
      t.stream('clicks', s)
        .groupBy((_, v) => v.user, { name: 'by-path', key: serdes.string(), value: s.value })
        .windowedBy(tumbling('1m').grace('30s'))
        .count({ name: 'per-minute', lateTopic: 'late-clicks' })
        .to('views', { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>(), name: 'to-views' });
    }),
    edges: [
      [read('clicks', 'source-0'), write('by-path-sink', 'pv-by-path-repartition')],
      [
        read('pv-by-path-repartition', 'by-path'),
        write('per-minute', 'pv-per-minute-store-changelog'),
        write('per-minute', 'late-clicks'),
        write('to-views', 'views'),
      ],
    ],
  },
  {
    name: 'one source node over two topics, branches into two sinks',
    topology: defineTopology({ applicationId: 'app' }, (t) => {
      const branches = t.stream(['a', 'b'], { ...s, name: 'ab' }).branch({ big: (_, v) => v.n > 10 }, { otherwise: 'small', name: 'size' });
      branches.big.to('big', { ...out, name: 'to-big' });
      branches['small']?.to('small', { ...out, name: 'to-small' });
    }),
    edges: [[read('a', 'ab'), read('b', 'ab'), write('to-big', 'big'), write('to-small', 'small')]],
  },
  {
    name: 'two sources merged: one read edge into each source node',
    topology: defineTopology({ applicationId: 'app' }, (t) => {
      const left = t.stream('left', { ...s, name: 'left-source' });
      const right = t.stream('right', { ...s, name: 'right-source' });
      left.merge(right).to('both', { ...out, name: 'to-both' });
    }),
    edges: [[read('left', 'left-source'), read('right', 'right-source'), write('to-both', 'both')]],
  },
];

/** Every edge names an operator of its sub-topology and a listed topic; every read and written topic has its edge. */
function consistencyProblems(d: TopologyDescription): string[] {
  const problems: string[] = [];
  const topics = new Set(d.topics.map((t) => t.name));
  for (const sub of d.subtopologies) {
    const operators = new Set(sub.operators.map((o) => o.name));
    for (const e of sub.edges) {
      if (!operators.has(e.operator)) problems.push(`${sub.id}: edge operator ${e.operator} is not in the sub-topology`);
      if (!topics.has(e.topic)) problems.push(`${sub.id}: edge topic ${e.topic} is not listed in topics`);
    }
    for (const topic of sub.sourceTopics) {
      if (!sub.edges.some((e) => e.direction === 'read' && e.topic === topic)) problems.push(`${sub.id}: no read edge for ${topic}`);
    }
    for (const topic of sub.sinkTopics) {
      if (!sub.edges.some((e) => e.direction === 'write' && e.topic === topic)) problems.push(`${sub.id}: no write edge for ${topic}`);
    }
    for (const store of sub.stores) {
      if (sub.storeChangelogs.some((s) => s.name === store && s.changelogIsSource)) continue;
      const changelog = `${d.applicationId}-${store}-changelog`;
      if (!sub.edges.some((e) => e.direction === 'write' && e.topic === changelog)) problems.push(`${sub.id}: no write edge for ${changelog}`);
    }
  }
  return problems;
}

describe('describePlan edges', () => {
  it.each(cases)('$name', ({ topology, edges }) => {
    const d = describePlan(plan(topology));
    expect(d.subtopologies.map((sub) => sub.edges)).toEqual(edges);
    expect(consistencyProblems(d)).toEqual([]);
  });

  it('lists reads and writes with their operators in the describe text', () => {
    const windowed = cases[2] as (typeof cases)[number];
    const text = formatDescription(describePlan(plan(windowed.topology)));
    const sub1 = text.slice(text.indexOf('sub-topology 1'), text.indexOf('\ntopics'));
    expect(sub1.split('\n').map((l) => l.trimEnd())).toEqual([
      'sub-topology 1  (? tasks)',
      '  reads  pv-by-path-repartition -> by-path',
      '  repartition        by-path -> per-minute',
      '  window-aggregate   per-minute -> to-views',
      '  sink               to-views',
      '  stores per-minute-store (window, per-minute) -> pv-per-minute-store-changelog',
      '  writes per-minute -> pv-per-minute-store-changelog  (changelog)',
      '         per-minute -> late-clicks  (late)',
      '         to-views -> views  (sink)',
      '',
    ]);
  });

  it('says a sub-topology that writes nothing writes nothing', () => {
    const sinkless = defineTopology({ applicationId: 'app' }, (t) => void t.stream('in', s).peek(() => undefined));
    const text = formatDescription(describePlan(plan(sinkless)));
    expect(text).toContain('  reads  in -> source-0\n');
    expect(text).toContain('  writes (nothing)\n');
  });
});
