import { describe, expect, it } from 'vitest';
import { defineTopology, joinWindow, serdes, TopologyError } from '../../../src/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import { resolvePartitions } from '../../../src/planner/partitions.ts';
import { plan } from '../../../src/planner/plan.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';

const str = { key: serdes.string(), value: serdes.string() };

const plain = defineTopology({ applicationId: 'app' }, (t) => {
  t.stream('orders', str)
    .leftJoin(t.stream('payments', str), (o, p) => `${o}/${p ?? 'unpaid'}`, joinWindow('10m').grace('1m'), { name: 'paid' })
    .to('out', str);
});

const rekeyed = defineTopology({ applicationId: 'app' }, (t) => {
  const orders = t.stream('orders', str).selectKey((_, v) => v.split(',')[0] ?? '');
  orders.join(t.stream('customers', str), (o, c) => `${o}/${c}`, joinWindow('1h'), { name: 'oc' }).to('out', str);
});

describe('stream-stream join planning', () => {
  it('puts both inputs in one sub-topology with the join stores and their changelogs', () => {
    const p = plan(plain);
    expect(p.subtopologies).toHaveLength(1);
    expect(p.subtopologies[0]?.sourceTopics).toEqual(['orders', 'payments']);
    const d = describePlan(p, resolvePartitions(p, new Map([['orders', 3], ['payments', 3]])));
    expect(d.subtopologies[0]?.storeChangelogs).toEqual([
      { name: 'paid-left-store', kind: 'window', operator: 'paid-left', changelogTopic: 'app-paid-left-store-changelog', changelogIsSource: false },
      { name: 'paid-outer-store', kind: 'window', operator: 'paid-left', changelogTopic: 'app-paid-outer-store-changelog', changelogIsSource: false },
      { name: 'paid-right-store', kind: 'window', operator: 'paid-right', changelogTopic: 'app-paid-right-store-changelog', changelogIsSource: false },
    ]);
    const text = formatDescription(d);
    expect(text).toContain('stream-join        paid-left -> paid');
    expect(text).toContain('stream-join        paid-right -> paid');
    expect(text).toContain('paid-outer-store (window, paid-left) -> app-paid-outer-store-changelog');
    expect(text).toContain('changelog   app-paid-right-store-changelog  partitions=3');
  });

  it('an inner join has no store of unmatched records', () => {
    expect([...plan(rekeyed).changelogTopics.keys()]).toEqual(['oc-left-store', 'oc-right-store']);
  });

  it('a side whose key changed goes through a repartition topic with the partition count of the other side', () => {
    const p = plan(rekeyed);
    expect(p.subtopologies.map((s) => s.sourceTopics)).toEqual([['orders'], ['customers', 'app-oc-left-input-repartition']]);
    const resolved = resolvePartitions(p, new Map([['orders', 2], ['customers', 6]]));
    expect(resolved.topics.get('app-oc-left-input-repartition')).toBe(6);
    expect(resolved.subtopologies.get(1)).toBe(6);
  });

  it('when both sides were re-keyed, both repartition topics take the larger writer count', () => {
    const both = defineTopology({ applicationId: 'app' }, (t) => {
      const a = t.stream('a', str).selectKey((_, v) => v);
      const b = t.stream('b', str).selectKey((_, v) => v);
      a.join(b, (x, y) => x + y, joinWindow('1m'), { name: 'ab' }).to('out', str);
    });
    const resolved = resolvePartitions(plan(both), new Map([['a', 2], ['b', 4]]));
    expect(resolved.topics.get('app-ab-left-input-repartition')).toBe(4);
    expect(resolved.topics.get('app-ab-right-input-repartition')).toBe(4);
  });

  it('a join of topics with different partition counts is a startup error naming both topics and counts', () => {
    const attempt = () => resolvePartitions(plan(plain), new Map([['orders', 3], ['payments', 4]]));
    expect(attempt).toThrow(TopologyError);
    expect(attempt).toThrow('"orders" has 3 partitions and "payments" has 4');
  });

  it('validates its arguments', () => {
    const build = (fn: (t: Parameters<Parameters<typeof defineTopology>[1]>[0]) => void) => () => defineTopology({ applicationId: 'x' }, fn);
    // @ts-expect-error a window definition of another kind
    expect(build((t) => t.stream('a', str).join(t.stream('b', str), (x, y) => x + y, joinWindow('1m').toString()))).toThrow(/needs a join window/);
    // @ts-expect-error not a stream
    expect(build((t) => t.stream('a', str).join({}, (x: string) => x, joinWindow('1m')))).toThrow(/join\(\) takes a stream \(with a joinWindow\), a table, or a global table/);
    // @ts-expect-error not a duration
    expect(() => joinWindow('soon')).toThrow(/join window size "soon" is not a duration/);
    expect(build((t) => {
      t.stream('a', str).join(t.stream('b', str), (x, y) => x + y, joinWindow('1m'), { name: 'j' });
      t.stream('c', str).join(t.stream('d', str), (x, y) => x + y, joinWindow('1m'), { name: 'j' });
    })).toThrow(/"j" is used twice/);
  });

  it('join windows are values: before, after and grace return new ones', () => {
    const base = joinWindow('10s');
    const asym = base.before('2s').after('1m').grace('5s');
    expect([base.beforeMs, base.afterMs, base.graceMs]).toEqual([10_000, 10_000, 0]);
    expect([asym.beforeMs, asym.afterMs, asym.graceMs]).toEqual([2_000, 60_000, 5_000]);
    expect(asym.toString()).toBe('join(before 2s, after 1m, grace 5s)');
  });

  it('the re-keyed side is joined after its repartition topic in the test driver', () => {
    const driver = new TopologyTestDriver(rekeyed, { partitions: 3 });
    driver.input<string, string>('customers').pipe('c1', 'Ada', { timestampMs: 1000 });
    driver.input<string, string>('orders').pipe('o1', 'c1,book', { timestampMs: 2000 });
    expect(driver.readOutput<string, string>('out').map((r) => [r.key, r.value])).toEqual([['c1', 'c1,book/Ada']]);
  });
});
