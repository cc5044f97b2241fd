import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, TopologyError } from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { plan } from '../../../src/planner/plan.ts';
import { resolvePartitions } from '../../../src/planner/partitions.ts';
import { nullableJson } from './support.ts';

const str = serdes.string();

interface Order {
  readonly product: string;
  readonly qty: number;
}

interface Product {
  readonly name: string;
  readonly cents: number;
}

function enrichTopology(mode: 'inner' | 'left') {
  return defineTopology({ applicationId: `enrich-${mode}` }, (t) => {
    const products = t.table('products', { key: str, value: serdes.json<Product>(), name: 'products' });
    const orders = t.stream('orders', { key: str, value: serdes.json<Order>() });
    const joined =
      mode === 'inner'
        ? orders.join(products, (o, p) => ({ ...o, total: o.qty * p.cents }), { name: 'enrich' })
        : orders.leftJoin(products, (o, p) => ({ ...o, total: p === null ? null : o.qty * p.cents }), { name: 'enrich' });
    joined.to('enriched', { key: str, value: serdes.json<Order & { total: number | null }>() });
  });
}

describe('stream–table join', () => {
  it('inner: joins with the table value current when the record is processed; table updates alone emit nothing', () => {
    const driver = new TopologyTestDriver(enrichTopology('inner'), { partitions: 2 });
    const products = driver.input<string, Product | null>('products');
    const orders = driver.input<string, Order>('orders');
    orders.pipe('pen', { product: 'pen', qty: 1 }); // no product yet: dropped
    products.pipe('pen', { name: 'pen', cents: 100 });
    expect(driver.readOutput('enriched')).toEqual([]);
    orders.pipe('pen', { product: 'pen', qty: 2 });
    products.pipe('pen', { name: 'pen', cents: 150 });
    orders.pipe('pen', { product: 'pen', qty: 3 });
    products.pipeRaw(Buffer.from('pen'), null);
    orders.pipe('pen', { product: 'pen', qty: 4 }); // deleted: dropped
    expect(driver.readOutput<string, { qty: number; total: number }>('enriched').map((r) => [r.value.qty, r.value.total])).toEqual([
      [2, 200],
      [3, 450],
    ]);
  });

  it('left: a record without a table value is joined with null', () => {
    const driver = new TopologyTestDriver(enrichTopology('left'));
    driver.input<string, Order>('orders').pipe('pen', { product: 'pen', qty: 1 });
    driver.input<string, Product>('products').pipe('pen', { name: 'pen', cents: 10 });
    driver.input<string, Order>('orders').pipe('pen', { product: 'pen', qty: 2 });
    expect(driver.readOutput<string, { total: number | null }>('enriched').map((r) => r.value.total)).toEqual([null, 20]);
  });

  it('puts stream and table in one sub-topology; the table is restored from its source topic on rebuild', () => {
    const p = plan(enrichTopology('inner'));
    expect(p.subtopologies).toHaveLength(1);
    expect(p.subtopologies[0]?.sourceTopics).toEqual(['products', 'orders']);
    const first = new TopologyTestDriver(enrichTopology('inner'), { partitions: 3 });
    for (let i = 0; i < 9; i++) first.input<string, Product>('products').pipe(`p${i}`, { name: `p${i}`, cents: i + 1 });
    const second = new TopologyTestDriver(enrichTopology('inner'), { partitions: 3, changelog: first.changelogRecords() });
    for (let i = 0; i < 9; i++) second.input<string, Order>('orders').pipe(`p${i}`, { product: `p${i}`, qty: 10 });
    expect(second.readOutput<string, { total: number }>('enriched').map((r) => [r.key, r.value.total]).sort()).toEqual(
      Array.from({ length: 9 }, (_, i) => [`p${i}`, 10 * (i + 1)]).sort(),
    );
  });

  it('repartitions a stream whose key changed upstream before the join', () => {
    const topology = defineTopology({ applicationId: 'rekey-join' }, (t) => {
      const products = t.table('products', { key: str, value: serdes.json<Product>() });
      t.stream('orders', { key: str, value: serdes.json<Order>() })
        .selectKey((_, o) => o.product)
        .join(products, (o, p) => o.qty * p.cents, { name: 'priced' })
        .to('priced', { key: str, value: serdes.json<number>() });
    });
    const p = plan(topology);
    expect(p.internalTopics.map((t) => t.name)).toEqual(['rekey-join-priced-repartition-repartition']);
    expect(p.subtopologies).toHaveLength(2);
    const driver = new TopologyTestDriver(topology, { partitions: 4 });
    driver.input<string, Product>('products').pipe('ink', { name: 'ink', cents: 7 });
    driver.input<string, Order>('orders').pipe('order-1', { product: 'ink', qty: 3 });
    expect(driver.readOutput<string, number>('priced').map((r) => [r.key, r.value])).toEqual([['ink', 21]]);
  });

  it('names both topics and their partition counts when they are not co-partitioned', () => {
    const p = plan(enrichTopology('inner'));
    expect(() => resolvePartitions(p, new Map([['orders', 6], ['products', 4]]))).toThrow(TopologyError);
    expect(() => resolvePartitions(p, new Map([['orders', 6], ['products', 4]]))).toThrow(/products=4, orders=6/);
  });

  it('joins with a table from a stream aggregation, restored from its changelog on rebuild', () => {
    const topology = defineTopology({ applicationId: 'agg-join' }, (t) => {
      const spent = t.stream('payments', { key: str, value: serdes.json<number>() })
        .groupByKey()
        .reduce((a, b) => a + b, { name: 'spent' });
      t.stream('visits', { key: str, value: str })
        .leftJoin(spent, (page, total) => `${page}:${total ?? 0}`, { name: 'tag' })
        .to('tagged', { key: str, value: str });
    });
    const first = new TopologyTestDriver(topology, { partitions: 2 });
    first.input<string, string>('visits').pipe('ann', 'home');
    first.input<string, number>('payments').pipe('ann', 5);
    first.input<string, number>('payments').pipe('ann', 7);
    first.input<string, string>('visits').pipe('ann', 'cart');
    expect(first.readOutput<string, string>('tagged').map((r) => r.value)).toEqual(['home:0', 'cart:12']);
    const second = new TopologyTestDriver(topology, { partitions: 2, changelog: first.changelogRecords() });
    second.input<string, string>('visits').pipe('ann', 'again');
    expect(second.readOutput<string, string>('tagged').map((r) => r.value)).toEqual(['again:12']);
  });

  it('rejects a join with something that is not a table', () => {
    expect(() =>
      defineTopology({ applicationId: 'bad-join' }, (t) => {
        const orders = t.stream('orders', { key: str, value: serdes.json<Order>() });
        orders.join({} as never, () => 1);
      }),
    ).toThrow(/join\(\) takes a stream \(with a joinWindow\), a table, or a global table/);
  });
});

describe('table–table join', () => {
  function tableJoin(mode: 'inner' | 'left' | 'outer') {
    return defineTopology({ applicationId: `tt-${mode}` }, (t) => {
      const left = t.table('left', { key: str, value: serdes.json<number>(), name: 'left' });
      const right = t.table('right', { key: str, value: serdes.json<number>(), name: 'right' });
      const joiner = (l: number | null, r: number | null) => `${l ?? '-'}:${r ?? '-'}`;
      const joined = mode === 'inner' ? left.join(right, joiner) : mode === 'left' ? left.leftJoin(right, joiner) : left.outerJoin(right, joiner);
      joined.toStream().to('joined', { key: str, value: serdes.json<string | null>() });
    });
  }

  /** The same script for every mode: set left, set right, update left, delete right, delete left. */
  function run(mode: 'inner' | 'left' | 'outer'): (string | null)[] {
    const driver = new TopologyTestDriver(tableJoin(mode), { partitions: 2 });
    const left = driver.input<string, number>('left');
    const right = driver.input<string, number>('right');
    left.pipe('k', 1);
    right.pipe('k', 2);
    left.pipe('k', 3);
    right.pipeRaw(Buffer.from('k'), null);
    left.pipeRaw(Buffer.from('k'), null);
    right.pipeRaw(Buffer.from('k'), null); // both absent already: nothing
    return driver.readOutput('joined', { key: str, value: nullableJson<string>() }).map((r) => r.value);
  }

  it('inner: updates when either side changes; a result that no longer matches emits a tombstone', () => {
    expect(run('inner')).toEqual(['1:2', '3:2', null]);
  });

  it('left: a result while the left side has a value', () => {
    expect(run('left')).toEqual(['1:-', '1:2', '3:2', '3:-', null]);
  });

  it('outer: a result while either side has a value', () => {
    expect(run('outer')).toEqual(['1:-', '1:2', '3:2', '3:-', null]);
  });

  it('outer: a right-only key joins with a null left', () => {
    const driver = new TopologyTestDriver(tableJoin('outer'));
    driver.input<string, number>('right').pipe('r', 5);
    driver.input<string, number>('right').pipeRaw(Buffer.from('r'), null);
    expect(driver.readOutput('joined', { key: str, value: nullableJson<string>() }).map((r) => r.value)).toEqual(['-:5', null]);
  });

  it('joins derived tables through their value getters and feeds a stream–table join with the joined table', () => {
    const topology = defineTopology({ applicationId: 'tt-derived' }, (t) => {
      const prices = t.table('prices', { key: str, value: serdes.json<number>() }).mapValues((c) => c * 100);
      const stock = t.table('stock', { key: str, value: serdes.json<number>() }).filter((_, n) => n > 0);
      const offer = prices.join(stock, (cents, n) => ({ cents, n }), { name: 'offer' });
      t.stream('asks', { key: str, value: str })
        .leftJoin(offer, (who, o) => `${who}:${o === null ? 'none' : `${o.cents}x${o.n}`}`, { name: 'answer' })
        .to('answers', { key: str, value: str });
    });
    const driver = new TopologyTestDriver(topology, { partitions: 2 });
    driver.input<string, number>('prices').pipe('pen', 2);
    driver.input<string, number>('stock').pipe('pen', 0);
    driver.input<string, string>('asks').pipe('pen', 'ann');
    driver.input<string, number>('stock').pipe('pen', 4);
    driver.input<string, string>('asks').pipe('pen', 'bob');
    driver.input<string, number>('prices').pipe('pen', 3);
    driver.input<string, string>('asks').pipe('pen', 'cy');
    expect(driver.readOutput<string, string>('answers').map((r) => r.value)).toEqual(['ann:none', 'bob:200x4', 'cy:300x4']);
  });

  it('a joined table is restored on rebuild from both source topics', () => {
    const first = new TopologyTestDriver(tableJoin('inner'), { partitions: 2 });
    first.input<string, number>('left').pipe('k', 1);
    first.input<string, number>('right').pipe('k', 2);
    const second = new TopologyTestDriver(tableJoin('inner'), { partitions: 2, changelog: first.changelogRecords() });
    second.input<string, number>('left').pipe('k', 5);
    // The old result (1:2) is known after the rebuild, so the change is 1:2 -> 5:2.
    expect(second.readOutput('joined', { key: str, value: nullableJson<string>() }).map((r) => r.value)).toEqual(['5:2']);
    second.input<string, number>('right').pipeRaw(Buffer.from('k'), null);
    expect(second.readOutput('joined', { key: str, value: nullableJson<string>() }).map((r) => r.value)).toEqual([null]);
  });
});
