import { describe, expect, it } from 'vitest';
import orderPayments, { type Customer, type Order, type Payment, type SettledOrder } from '../../../topologies/order-payments.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import { plan } from '../../../src/planner/plan.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MIN = 60_000;

function order(orderId: string, customerId: string, amount: number, atMin: number): [string, Order] {
  return [orderId, { orderId, customerId, amount, ts: T0 + atMin * MIN }];
}

describe('topologies/order-payments.ts', () => {
  it('settles each order once: with its payment, or unpaid once its 15-minute window closed', () => {
    const driver = new TopologyTestDriver(orderPayments, { partitions: 2 });
    const customers = driver.input<string, Customer | null>('customers');
    const orders = driver.input<string, Order>('orders');
    const payments = driver.input<string, Payment>('payments');
    customers.pipe('c1', { name: 'Ada', tier: 'gold' }, { timestampMs: T0 });
    customers.pipe('c2', { name: 'Bo', tier: 'silver' }, { timestampMs: T0 });

    orders.pipe(...order('o1', 'c1', 40, 0), { timestampMs: T0 });
    orders.pipe(...order('o2', 'c2', 15, 1), { timestampMs: T0 + MIN });
    orders.pipe(...order('o3', 'c9', 99, 2), { timestampMs: T0 + 2 * MIN }); // unknown customer: dropped
    orders.pipe(...order('o4', 'c1', 25, 3), { timestampMs: T0 + 3 * MIN });
    payments.pipe('o1', { amount: 40, ts: T0 + 5 * MIN }, { timestampMs: T0 + 5 * MIN });
    payments.pipe('o4', { amount: 25, ts: T0 + 10 * MIN }, { timestampMs: T0 + 10 * MIN });
    // o2 is never paid. Time moves on (on both inputs of the join) until every order's window has closed.
    orders.pipe(...order('o5', 'c2', 5, 40), { timestampMs: T0 + 40 * MIN });
    payments.pipe('o5', { amount: 5, ts: T0 + 41 * MIN }, { timestampMs: T0 + 41 * MIN });
    payments.pipe('late-tick', { amount: 0, ts: T0 + 60 * MIN }, { timestampMs: T0 + 60 * MIN });
    orders.pipe(...order('o6', 'c1', 1, 60), { timestampMs: T0 + 60 * MIN });

    const settled = driver.readOutput<string, SettledOrder>('orders-settled');
    const byOrder = new Map<string, (number | null)[]>();
    for (const r of settled) byOrder.set(r.key, [...(byOrder.get(r.key) ?? []), r.value.paidAmount]);
    expect(Object.fromEntries(byOrder)).toEqual({ o1: [40], o2: [null], o4: [25], o5: [5] });
    expect(settled.find((r) => r.key === 'o1')?.value).toMatchObject({ customer: 'Ada', tier: 'gold' });

    const revenue = driver.readOutput<string, number>('revenue-by-tier');
    const last = new Map(revenue.map((r) => [r.key, r.value]));
    expect(Object.fromEntries(last)).toEqual({ gold: 65, silver: 5 });
  });

  it('describes the table, both repartitions and the join stores', () => {
    const text = formatDescription(describePlan(plan(orderPayments)));
    expect(text).toContain('customers');
    expect(text).toContain('with-payment-left-store');
    expect(text).toContain('with-payment-outer-store');
    expect(text).toMatch(/repartition/);
  });
});
