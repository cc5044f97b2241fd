import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, TopologyError } from '../../../src/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import { resolvePartitions } from '../../../src/planner/partitions.ts';
import { plan } from '../../../src/planner/plan.ts';

const s = { key: serdes.string(), value: serdes.json<{ user: string; n: number }>() };

const rekey = defineTopology({ applicationId: 'app' }, (t) => {
  t.stream('in', s)
    .filter((_, v) => v.n > 0)
    .selectKey((_, v) => v.user)
    .repartition({ name: 'by-user', key: serdes.string(), value: s.value })
    .mapValues((v) => v.n)
    .to('out', { key: serdes.string(), value: serdes.json<number>() });
});

describe('planner', () => {
  it('splits at repartition topics into sub-topologies', () => {
    const p = plan(rekey);
    expect(p.subtopologies).toHaveLength(2);
    expect(p.subtopologies[0]?.sourceTopics).toEqual(['in']);
    expect(p.subtopologies[0]?.sinkTopics).toEqual(['app-by-user-repartition']);
    expect(p.subtopologies[1]?.sourceTopics).toEqual(['app-by-user-repartition']);
    expect(p.subtopologies[1]?.sinkTopics).toEqual(['out']);
    expect(p.internalTopics.map((t) => t.name)).toEqual(['app-by-user-repartition']);
  });

  it('gives repartition topics the upstream partition count and lists transactional ids', () => {
    const p = plan(rekey);
    const resolved = resolvePartitions(p, new Map([['in', 4]]));
    expect(resolved.topics.get('app-by-user-repartition')).toBe(4);
    const d = describePlan(p, resolved);
    expect(d.transactionalIds).toEqual(['app-0_0', 'app-0_1', 'app-0_2', 'app-0_3', 'app-1_0', 'app-1_1', 'app-1_2', 'app-1_3']);
    expect(formatDescription(d)).toContain('repartition app-by-user-repartition  partitions=4  (created by sluice)');
  });

  it('names unnamed repartition topics after the operator', () => {
    const p = plan(
      defineTopology({ applicationId: 'a' }, (t) => {
        t.stream('in', s).repartition().to('out', s);
      }),
    );
    expect(p.internalTopics[0]?.name).toMatch(/^a-repartition-\d+-repartition$/);
  });

  it('rejects inputs that are not co-partitioned', () => {
    const merged = defineTopology({ applicationId: 'm' }, (t) => {
      t.stream('a', s).merge(t.stream('b', s)).to('out', s);
    });
    expect(() => resolvePartitions(plan(merged), new Map([['a', 2], ['b', 3]]))).toThrow(/not co-partitioned \(a=2, b=3\)/);
  });

  it('rejects a missing source topic, a topic read twice and a loop through a user topic', () => {
    expect(() => resolvePartitions(plan(rekey), new Map())).toThrow(TopologyError);
    expect(() =>
      plan(
        defineTopology({ applicationId: 'x' }, (t) => {
          t.stream('a', s).to('o', s);
          t.stream('a', s).to('o2', s);
        }),
      ),
    ).toThrow(/read by two stream\(\) calls/);
    expect(() =>
      plan(
        defineTopology({ applicationId: 'x' }, (t) => {
          t.stream('a', s).to('a', s);
        }),
      ),
    ).toThrow(/both read and written/);
  });

  it('adds the dead-letter topic under onError dead-letter', () => {
    const p = plan(
      defineTopology({ applicationId: 'd', onError: 'dead-letter' }, (t) => {
        t.stream('a', s).to('o', s);
      }),
    );
    expect(p.dlqTopic).toBe('d-dlq');
    expect(p.internalTopics.map((t) => t.role)).toContain('dlq');
  });
});

describe('defineTopology validation', () => {
  it.each([
    [{ applicationId: 'has space' }, /applicationId "has space" is invalid/],
    [{ applicationId: 'ok', onError: 'explode' as 'fail' }, /onError "explode" is invalid/],
    [{ applicationId: 'ok', maxOutOfOrderness: '10x' as '10s' }, /maxOutOfOrderness "10x" is not a duration/],
  ])('rejects %j', (options, message) => {
    expect(() => defineTopology(options, (t) => void t.stream('a', s))).toThrow(message);
  });

  it('rejects a topology that reads nothing and a stream without serdes', () => {
    expect(() => defineTopology({ applicationId: 'a' }, () => {})).toThrow(/reads no topic/);
    expect(() => defineTopology({ applicationId: 'a' }, (t) => void t.stream('a', {} as typeof s))).toThrow(/needs \{ key, value \} serdes/);
  });
});
