import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, TopologyError, DeserializationError } from '../../../../src/index.ts';
import { TopologyTestDriver } from '../../../../src/testing/index.ts';
import { plan } from '../../../../src/planner/plan.ts';

interface Order {
  id: string;
  customerId: string;
  amount: number;
}
interface Customer {
  name: string;
  tier: string;
}

function ordersWithCustomers(options: { left?: boolean; onError?: 'fail' | 'skip' } = {}) {
  return defineTopology({ applicationId: 'orders-enriched', ...(options.onError !== undefined ? { onError: options.onError } : {}) }, (t) => {
    const customers = t.globalTable('customers', { key: serdes.string(), value: serdes.json<Customer>(), name: 'customers' });
    const orders = t.stream('orders', { key: serdes.string(), value: serdes.json<Order>() });
    const joined = options.left
      ? orders.leftJoin(customers, (_, order) => order.customerId, (order, customer, key) => ({ key, ...order, customer: customer?.name ?? null }))
      : orders.join(customers, (_, order) => order.customerId, (order, customer, key) => ({ key, ...order, customer: customer.name }));
    joined.to('enriched', { key: serdes.string(), value: serdes.json() });
  });
}

const order = (id: string, customerId: string, amount = 1): Order => ({ id, customerId, amount });

describe('stream–global-table join in the test driver', () => {
  it('inner join: records without a match are dropped; each is joined with the table value at processing time', () => {
    const driver = new TopologyTestDriver(ordersWithCustomers(), { partitions: 3 });
    const customers = driver.input<string, Customer | null>('customers');
    const orders = driver.input<string, Order>('orders');
    orders.pipe('o1', order('o1', 'c1')); // no customer yet: dropped
    customers.pipe('c1', { name: 'Ada', tier: 'gold' });
    customers.pipe('c2', { name: 'Bob', tier: 'silver' });
    orders.pipe('o2', order('o2', 'c1'));
    orders.pipe('o3', order('o3', 'c2'));
    customers.pipe('c1', { name: 'Ada L.', tier: 'gold' }); // update
    orders.pipe('o4', order('o4', 'c1'));
    customers.pipe('c2', null); // tombstone
    orders.pipe('o5', order('o5', 'c2'));
    const out = driver.readOutput<string, { key: string; id: string; customer: string }>('enriched');
    expect(out.map((r) => [r.key, r.value.id, r.value.customer])).toEqual([
      ['o2', 'o2', 'Ada'],
      ['o3', 'o3', 'Bob'],
      ['o4', 'o4', 'Ada L.'],
    ]);
    // The stream key and its partition stay: no repartition.
    expect(driver.plan.internalTopics.filter((t) => t.role === 'repartition')).toEqual([]);
    expect(driver.globalTable<string, Customer>('customers')).toEqual(new Map([['c1', { name: 'Ada L.', tier: 'gold' }]]));
  });

  it('left join: a missing or deleted table value joins as null', () => {
    const driver = new TopologyTestDriver(ordersWithCustomers({ left: true }), { partitions: 2 });
    const customers = driver.input<string, Customer | null>('customers');
    const orders = driver.input<string, Order>('orders');
    orders.pipe('o1', order('o1', 'c1'));
    customers.pipe('c1', { name: 'Ada', tier: 'gold' });
    orders.pipe('o2', order('o2', 'c1'));
    customers.pipe('c1', null);
    orders.pipe('o3', order('o3', 'c1'));
    const out = driver.readOutput<string, { id: string; customer: string | null }>('enriched');
    expect(out.map((r) => [r.value.id, r.value.customer])).toEqual([
      ['o1', null],
      ['o2', 'Ada'],
      ['o3', null],
    ]);
  });

  it('every task sees every partition of the global topic', () => {
    const driver = new TopologyTestDriver(ordersWithCustomers(), { partitions: 4 });
    const customers = driver.input<string, Customer>('customers');
    // Table entries on each of the 4 partitions, orders on each of the 4 tasks.
    for (let p = 0; p < 4; p++) customers.pipe(`c${p}`, { name: `n${p}`, tier: 't' }, { partition: p });
    const orders = driver.input<string, Order>('orders');
    for (let p = 0; p < 4; p++) for (let c = 0; c < 4; c++) orders.pipe(`o${p}${c}`, order(`o${p}${c}`, `c${c}`), { partition: p });
    const out = driver.readOutput<string, { id: string; customer: string }>('enriched');
    expect(out).toHaveLength(16);
    expect(new Set(out.map((r) => r.partition))).toEqual(new Set([0, 1, 2, 3]));
    expect(out.every((r) => r.value.customer === `n${r.value.id[2]}`)).toBe(true);
  });

  it('a global-table record that does not deserialize fails under onError fail and is skipped under skip', () => {
    const failing = new TopologyTestDriver(ordersWithCustomers());
    expect(() => failing.input('customers').pipeRaw(Buffer.from('c1'), Buffer.from('{not json'))).toThrow(DeserializationError);
    const skipping = new TopologyTestDriver(ordersWithCustomers({ onError: 'skip' }));
    skipping.input('customers').pipeRaw(Buffer.from('c1'), Buffer.from('{not json'));
    skipping.input<string, Customer>('customers').pipe('c2', { name: 'Bob', tier: 's' });
    expect(skipping.skippedGlobalRecords).toBe(1);
    expect([...skipping.globalTable<string, Customer>('customers').keys()]).toEqual(['c2']);
  });

  it('rejects a topic read both as a stream and as a global table, written by the topology, or a table of another topology', () => {
    const both = defineTopology({ applicationId: 'both' }, (t) => {
      t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
      t.stream('customers', { key: serdes.string(), value: serdes.json() }).to('out', { key: serdes.string(), value: serdes.json() });
    });
    expect(() => plan(both)).toThrow(/read both by stream\(\) and by globalTable/);
    const loop = defineTopology({ applicationId: 'loop' }, (t) => {
      t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
      t.stream('in', { key: serdes.string(), value: serdes.json() }).to('customers', { key: serdes.string(), value: serdes.json() });
    });
    expect(() => plan(loop)).toThrow(/also written by this topology/);
    let foreign: ReturnType<Parameters<Parameters<typeof defineTopology>[1]>[0]['globalTable']> | undefined;
    defineTopology({ applicationId: 'a' }, (t) => {
      foreign = t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
      t.stream('x', { key: serdes.string(), value: serdes.json() });
    });
    expect(() =>
      defineTopology({ applicationId: 'b' }, (t) => {
        t.stream('x', { key: serdes.string(), value: serdes.json() }).join(foreign!, (k) => k, (v) => v);
      }),
    ).toThrow(TopologyError);
    expect(() =>
      defineTopology({ applicationId: 'd' }, (t) => {
        const table = t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
        // Not a global table, and a joiner missing.
        const stream = t.stream('x', { key: serdes.string(), value: serdes.json() });
        (stream.join as (...args: unknown[]) => unknown)({ topic: 'customers' }, (k: string) => k, (v: unknown) => v);
        void table;
      }),
    ).toThrow(/join\(\) takes a stream \(with a joinWindow\), a table, or a global table from t.globalTable/);
    expect(() =>
      defineTopology({ applicationId: 'e' }, (t) => {
        const table = t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
        (t.stream('x', { key: serdes.string(), value: serdes.json() }).leftJoin as (...args: unknown[]) => unknown)(table, (k: string) => k);
      }),
    ).toThrow(/needs two functions/);
    expect(() =>
      defineTopology({ applicationId: 'c' }, (t) => {
        t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
        t.globalTable('customers', { key: serdes.string(), value: serdes.json() });
        t.stream('x', { key: serdes.string(), value: serdes.json() });
      }),
    ).toThrow(/two globalTable\(\) calls/);
  });

  it('plans the table outside every sub-topology, with the operators that join it', () => {
    const p = plan(ordersWithCustomers());
    expect(p.sourceTopics).toEqual(['orders']);
    expect([...p.readerOf.keys()]).toEqual(['orders']);
    expect(p.globalTables.map((t) => ({ name: t.name, topic: t.topic, joinedBy: t.joinedBy }))).toEqual([
      { name: 'customers', topic: 'customers', joinedBy: [{ operator: 'global-join-1', subtopology: 0 }] },
    ]);
  });
});

describe('describe with a global table', () => {
  it('lists the table, its topic, partitions and the joins that look it up', async () => {
    const { describePlan, formatDescription } = await import('../../../../src/planner/describe.ts');
    const { resolvePartitions } = await import('../../../../src/planner/partitions.ts');
    const p = plan(ordersWithCustomers({ left: true }));
    const resolved = resolvePartitions(p, new Map([['orders', 4]]));
    const withCounts = { topics: new Map([...resolved.topics, ['customers', 3]]), subtopologies: resolved.subtopologies };
    const d = describePlan(p, withCounts);
    expect(d.globalTables).toEqual([{ name: 'customers', topic: 'customers', partitions: 3, joinedBy: [{ operator: 'global-left-join-1', subtopology: 0 }] }]);
    expect(d.topics).toContainEqual({ name: 'customers', role: 'global', partitions: 3, internal: false, config: {} });
    const text = formatDescription(d);
    expect(text).toContain('global-left-join   global-left-join-1');
    expect(text).toContain('looks up global-left-join-1 -> global table customers (customers)');
    expect(text).toContain('customers  <- customers  partitions=3  joined by global-left-join-1 (sub-topology 0)');
    expect(text).toContain('global      customers  partitions=3');
  });
});
