import { describe, expect, it } from 'vitest';
import { defineTopology, keyValue, serdes } from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { plan } from '../../../src/planner/plan.ts';
import { nullableJson } from './support.ts';

const str = serdes.string();

interface Account {
  readonly region: string;
  readonly balance: number;
}

describe('table operators', () => {
  it('mapValues maps old and new values; toStream emits the new value, null for a delete', () => {
    const topology = defineTopology({ applicationId: 'map-values' }, (t) => {
      t.table('accounts', { key: str, value: serdes.json<Account>() })
        .mapValues((a) => a.balance * 2)
        .toStream()
        .to('doubled', { key: str, value: serdes.json<number | null>() });
    });
    const driver = new TopologyTestDriver(topology);
    const accounts = driver.input<string, Account>('accounts');
    accounts.pipe('a', { region: 'eu', balance: 5 });
    accounts.pipe('a', { region: 'eu', balance: 7 });
    accounts.pipeRaw(Buffer.from('a'), null);
    expect(driver.readOutput('doubled', { key: str, value: nullableJson<number>() }).map((r) => [r.key, r.value])).toEqual([
      ['a', 10],
      ['a', 14],
      ['a', null],
    ]);
  });

  it('filter emits a tombstone for a key that was present and no longer passes, nothing for one never present', () => {
    const topology = defineTopology({ applicationId: 'filter' }, (t) => {
      t.table('accounts', { key: str, value: serdes.json<Account>() })
        .filter((_, a) => a.balance >= 10)
        .toStream()
        .to('rich', { key: str, value: serdes.json<Account | null>() });
    });
    const driver = new TopologyTestDriver(topology);
    const accounts = driver.input<string, Account>('accounts');
    accounts.pipe('a', { region: 'eu', balance: 5 }); // never passed: nothing
    accounts.pipe('a', { region: 'eu', balance: 15 }); // passes: value
    accounts.pipe('a', { region: 'eu', balance: 20 }); // still passes: value
    accounts.pipe('a', { region: 'eu', balance: 1 }); // no longer passes: tombstone
    accounts.pipe('a', { region: 'eu', balance: 2 }); // still out: nothing
    accounts.pipe('b', { region: 'us', balance: 30 });
    accounts.pipeRaw(Buffer.from('b'), null); // deleted while present: tombstone
    expect(driver.readOutput('rich', { key: str, value: nullableJson<Account>() }).map((r) => [r.key, r.value?.balance ?? null])).toEqual([
      ['a', 15],
      ['a', 20],
      ['a', null],
      ['b', 30],
      ['b', null],
    ]);
  });

  it('groupBy().aggregate subtracts a row from its old group and adds it to the new one, through a repartition topic', () => {
    const topology = defineTopology({ applicationId: 'regroup' }, (t) => {
      t.table('accounts', { key: str, value: serdes.json<Account>() })
        .groupBy((_, a) => keyValue(a.region, a.balance), { name: 'by-region' })
        .aggregate(() => 0, (_region, balance, sum) => sum + balance, (_region, balance, sum) => sum - balance, { name: 'region-totals' })
        .toStream()
        .to('totals', { key: str, value: serdes.json<number | null>() });
    });
    const p = plan(topology);
    expect(p.internalTopics.map((t) => t.name)).toEqual(['regroup-by-region-repartition', 'regroup-region-totals-store-changelog']);
    expect(p.subtopologies).toHaveLength(2);
    const driver = new TopologyTestDriver(topology, { partitions: 3 });
    const accounts = driver.input<string, Account>('accounts');
    accounts.pipe('a', { region: 'eu', balance: 10 });
    accounts.pipe('b', { region: 'eu', balance: 5 });
    accounts.pipe('a', { region: 'us', balance: 12 }); // moves from eu to us
    accounts.pipe('b', { region: 'eu', balance: 6 }); // same group: one change
    accounts.pipeRaw(Buffer.from('a'), null); // leaves us
    const out = driver.readOutput('totals', { key: str, value: nullableJson<number>() }).map((r) => [r.key, r.value]);
    expect(out).toEqual([
      ['eu', 10],
      ['eu', 15],
      ['eu', 5],
      ['us', 12],
      ['eu', 6],
      ['us', 0],
    ]);
    const totals = driver.store<string, number>('region-totals-store');
    expect(totals.get('eu')).toBe(6);
    expect(totals.get('us')).toBe(0);
  });

  it('groupBy().count and reduce(adder, subtractor) follow moves and deletes', () => {
    const topology = defineTopology({ applicationId: 'regroup-count' }, (t) => {
      const accounts = t.table('accounts', { key: str, value: serdes.json<Account>() });
      accounts.groupBy((_, a) => a.region, { name: 'count-by-region' }).count({ name: 'per-region' }).toStream().to('counts', { key: str, value: serdes.json<number | null>() });
      accounts
        .groupBy((_, a) => keyValue(a.region, a.balance), { name: 'sum-by-region' })
        .reduce((sum, b) => sum + b, (sum, b) => sum - b, { name: 'sums' })
        .toStream()
        .to('sums', { key: str, value: serdes.json<number | null>() });
    });
    const driver = new TopologyTestDriver(topology, { partitions: 2 });
    const accounts = driver.input<string, Account>('accounts');
    accounts.pipe('a', { region: 'eu', balance: 1 });
    accounts.pipe('b', { region: 'eu', balance: 2 });
    accounts.pipe('c', { region: 'us', balance: 4 });
    accounts.pipe('b', { region: 'us', balance: 8 });
    accounts.pipeRaw(Buffer.from('a'), null);
    expect(driver.store<string, number>('per-region-store').get('eu')).toBe(0);
    expect(driver.store<string, number>('per-region-store').get('us')).toBe(2);
    expect(driver.store<string, number>('sums-store').get('us')).toBe(12);
    expect(driver.store<string, number>('sums-store').get('eu')).toBe(0);
    expect(driver.readOutput('counts', { key: str, value: nullableJson<number>() }).map((r) => [r.key, r.value])).toEqual([
      ['eu', 1],
      ['eu', 2],
      ['us', 1],
      ['eu', 1],
      ['us', 2],
      ['eu', 0],
    ]);
  });

  it('a regrouped aggregate is restored from its changelog by a rebuilt driver', () => {
    const topology = defineTopology({ applicationId: 'regroup-restore' }, (t) => {
      t.table('accounts', { key: str, value: serdes.json<Account>() })
        .groupBy((_, a) => a.region, { name: 'by-region' })
        .count({ name: 'per-region' })
        .toStream()
        .to('counts', { key: str, value: serdes.json<number | null>() });
    });
    const first = new TopologyTestDriver(topology, { partitions: 2 });
    const accounts = first.input<string, Account>('accounts');
    accounts.pipe('a', { region: 'eu', balance: 1 });
    accounts.pipe('b', { region: 'eu', balance: 2 });
    const second = new TopologyTestDriver(topology, { partitions: 2, changelog: first.changelogRecords() });
    // The table's old value for 'a' comes back from the source topic, so the move subtracts it from 'eu'.
    second.input<string, Account>('accounts').pipe('a', { region: 'us', balance: 1 });
    expect(second.store<string, number>('per-region-store').get('eu')).toBe(1);
    expect(second.store<string, number>('per-region-store').get('us')).toBe(1);
  });

  it('grouped stream aggregations are tables: toStream emits each new aggregate', () => {
    const topology = defineTopology({ applicationId: 'stream-count' }, (t) => {
      const counts = t.stream('words', { key: str, value: str }).groupByKey().count({ name: 'counts' });
      counts.toStream().to('counts', { key: str, value: serdes.json<number | null>() });
      counts.filter((_, n) => n % 2 === 0).toStream().to('even', { key: str, value: serdes.json<number | null>() });
    });
    const driver = new TopologyTestDriver(topology);
    const words = driver.input<string, string>('words');
    for (const w of ['x', 'x', 'x', 'y']) words.pipe(w, w);
    expect(driver.readOutput('counts', { key: str, value: nullableJson<number>() }).map((r) => [r.key, r.value])).toEqual([
      ['x', 1],
      ['x', 2],
      ['x', 3],
      ['y', 1],
    ]);
    expect(driver.readOutput('even', { key: str, value: nullableJson<number>() }).map((r) => [r.key, r.value])).toEqual([
      ['x', 2],
      ['x', null],
    ]);
  });
});
