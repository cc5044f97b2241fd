/**
 * Enrich orders with their customer, read as a global table.
 *
 *   customers (key: customer id, value: customer JSON; null deletes) ── global table, all partitions, every instance
 *   orders (key: order id, value: order JSON)
 *     → join with the customer of order.customerId (left join: an unknown customer gives customer: null)
 *     → orders-enriched (key: order id)
 *
 * No repartition: the orders keep their key and partition, and the two topics need not be co-partitioned.
 * See docs/global-tables.md for what the join sees when a customer changes.
 */
import { defineTopology, serdes } from '../src/index.ts';

export interface Customer {
  readonly name: string;
  readonly tier: 'gold' | 'silver' | 'bronze';
}

export interface Order {
  readonly customerId: string;
  readonly amount: number;
}

export interface EnrichedOrder extends Order {
  readonly customer: Customer | null;
}

export default defineTopology({ applicationId: 'orders-enriched' }, (t) => {
  const customers = t.globalTable('customers', { key: serdes.string(), value: serdes.json<Customer>(), name: 'customers' });
  t.stream('orders', { key: serdes.string(), value: serdes.json<Order>() })
    .leftJoin(customers, (_, order) => order.customerId, (order, customer): EnrichedOrder => ({ ...order, customer }), { name: 'with-customer' })
    .to('orders-enriched', { key: serdes.string(), value: serdes.json<EnrichedOrder>() });
});
