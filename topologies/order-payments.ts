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
import { defineTopology, joinWindow, serdes, type Topology } from '../src/index.ts';

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

/** The topics it reads and writes (the defaults are the names above). */
export interface OrderPaymentsTopics {
  readonly customers: string;
  readonly orders: string;
  readonly payments: string;
  readonly settled: string;
  readonly revenue: string;
}

export const DEFAULT_TOPICS: OrderPaymentsTopics = { customers: 'customers', orders: 'orders', payments: 'payments', settled: 'orders-settled', revenue: 'revenue-by-tier' };

export function orderPayments(topics: OrderPaymentsTopics = DEFAULT_TOPICS, applicationId = 'order-payments'): Topology {
  // Orders reach the payment join through two repartition topics, written by several tasks each: their event
  // times arrive somewhat out of order. The watermark trails the newest event time by 5 minutes, so those
  // orders are not judged late.
  return defineTopology({ applicationId, maxOutOfOrderness: '5m' }, (t) => {
    const customers = t.table(topics.customers, { key: serdes.string(), value: serdes.json<Customer>(), name: 'customers' });
    const payments = t.stream(topics.payments, { key: serdes.string(), value: serdes.json<Payment>(), timestamp: (p) => p.ts });

    const settled = t
      .stream(topics.orders, { key: serdes.string(), value: serdes.json<Order>(), timestamp: (o) => o.ts })
      .selectKey((_, order) => order.customerId)
      .join(customers, (order, customer) => ({ ...order, customer: customer.name, tier: customer.tier }), { name: 'with-customer' })
      .selectKey((_, order) => order.orderId)
      .leftJoin(payments, (order, payment): SettledOrder => ({ ...order, paidAmount: payment?.amount ?? null }), joinWindow('15m').grace('1m'), { name: 'with-payment' });

    settled.to(topics.settled, { key: serdes.string(), value: serdes.json<SettledOrder>() });

    settled
      .filter((_, order) => order.paidAmount !== null)
      .groupBy((_, order) => order.tier, { name: 'by-tier', key: serdes.string(), value: serdes.json<SettledOrder>() })
      .aggregate(() => 0, (_, order, total) => total + (order.paidAmount ?? 0), { name: 'revenue' })
      .toStream()
      .to(topics.revenue, { key: serdes.string(), value: serdes.json<number | null>() });
  });
}

export default orderPayments();
