import { describe, expect, it } from 'vitest';
import ordersEnriched, { type Customer, type EnrichedOrder, type Order } from '../../../topologies/orders-enriched.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import { plan } from '../../../src/planner/plan.ts';

describe('topologies/orders-enriched.ts', () => {
  it('joins each order with its customer as the table is when the order is processed', () => {
    const driver = new TopologyTestDriver(ordersEnriched, { partitions: 3 });
    const customers = driver.input<string, Customer | null>('customers');
    const orders = driver.input<string, Order>('orders');
    customers.pipe('c1', { name: 'Ada', tier: 'gold' });
    orders.pipe('o1', { customerId: 'c1', amount: 10 });
    orders.pipe('o2', { customerId: 'c9', amount: 5 }); // unknown customer
    customers.pipe('c1', { name: 'Ada', tier: 'silver' });
    orders.pipe('o3', { customerId: 'c1', amount: 7 });
    customers.pipe('c1', null);
    orders.pipe('o4', { customerId: 'c1', amount: 1 });
    const out = driver.readOutput<string, EnrichedOrder>('orders-enriched');
    expect(out.map((r) => [r.key, r.value.customer?.tier ?? null])).toEqual([
      ['o1', 'gold'],
      ['o2', null],
      ['o3', 'silver'],
      ['o4', null],
    ]);
    expect(driver.globalTable<string, Customer>('customers').size).toBe(0);
  });

  it('describes the global table and the join that looks it up', () => {
    const text = formatDescription(describePlan(plan(ordersEnriched)));
    expect(text).toContain('global-left-join   with-customer -> sink-');
    expect(text).toContain('looks up with-customer -> global table customers (customers)');
    expect(text).toContain('customers  <- customers  partitions=?  joined by with-customer (sub-topology 0)');
    expect(text).toContain('global      customers  partitions=?');
    expect(text).not.toMatch(/reads +customers/);
  });

  it('gives the graph an edge from the global table\'s topic into the join', () => {
    const description = describePlan(plan(ordersEnriched));
    expect(description.subtopologies[0]?.edges).toContainEqual({ direction: 'read', topic: 'customers', operator: 'with-customer' });
  });
});
