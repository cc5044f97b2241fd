/**
 * Orders, customers and payments: every kind of keyed join in one topology.
 *
 *   customers (key: customer id; null deletes) ── t.table: the latest customer per id, restored from the topic
 *   orders    (key: order id)  → re-keyed by customer id (repartition) → join the customer (stream–table)
 *                              → re-keyed by order id (repartition)     → left join payments within 15 min
 *   payments  (key: order id)  ─────────────────────────────────────────┘  (stream–stream, 1 min grace)
 *     → orders-settled: each order once, with its payment, or unpaid once its window closed
 *     → revenue-by-tier: paid amount per customer tier (a table: a running sum, updated per payment)
 *
 * Event time is each record's own `ts`. An order without a known customer is dropped by the inner join.
 */
import { defineTopology, joinWindow, serdes } from '../src/index.ts';

export interface Customer {
  readonly name: string;
  readonly tier: 'gold' | 'silver' | 'bronze';
}

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly ts: number;
}

export interface Payment {
  readonly amount: number;
  readonly ts: number;
}

export interface SettledOrder extends Order {
  readonly customer: string;
  readonly tier: Customer['tier'];
  /** null: no payment within 15 minutes of the order. */
  readonly paidAmount: number | null;
}

export default defineTopology({ applicationId: 'order-payments' }, (t) => {
  const customers = t.table('customers', { key: serdes.string(), value: serdes.json<Customer>(), name: 'customers' });
  const payments = t.stream('payments', { key: serdes.string(), value: serdes.json<Payment>(), timestamp: (p) => p.ts });

  const settled = t
    .stream('orders', { key: serdes.string(), value: serdes.json<Order>(), timestamp: (o) => o.ts })
    .selectKey((_, order) => order.customerId)
    .join(customers, (order, customer) => ({ ...order, customer: customer.name, tier: customer.tier }), { name: 'with-customer' })
    .selectKey((_, order) => order.orderId)
    .leftJoin(payments, (order, payment): SettledOrder => ({ ...order, paidAmount: payment?.amount ?? null }), joinWindow('15m').grace('1m'), { name: 'with-payment' });

  settled.to('orders-settled', { key: serdes.string(), value: serdes.json<SettledOrder>() });

  settled
    .filter((_, order) => order.paidAmount !== null)
    .groupBy((_, order) => order.tier, { name: 'by-tier', key: serdes.string(), value: serdes.json<SettledOrder>() })
    .aggregate(() => 0, (_, order, total) => total + (order.paidAmount ?? 0), { name: 'revenue' })
    .toStream()
    .to('revenue-by-tier', { key: serdes.string(), value: serdes.json<number | null>() });
});
