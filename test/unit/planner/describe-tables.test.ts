import { describe, expect, it } from 'vitest';
import { defineTopology, serdes } from '../../../src/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import { plan } from '../../../src/planner/plan.ts';

const str = serdes.string();

const topology = defineTopology({ applicationId: 'shop' }, (t) => {
  const products = t.table('products', { key: str, value: serdes.json<{ cents: number }>(), name: 'products' });
  const stock = t.table('stock', { key: str, value: serdes.json<number>(), name: 'stock' });
  const offers = products.join(stock, (p, n) => ({ cents: p.cents, n }), { name: 'offers' });
  t.stream('orders', { key: str, value: serdes.json<{ qty: number }>(), name: 'orders-source' })
    .join(offers, (o, offer) => o.qty * offer.cents, { name: 'price' })
    .to('priced', { key: str, value: serdes.json<number>(), name: 'to-priced' });
});

describe('describe with tables and joins', () => {
  it('lists each table with its source topic as the changelog, and the stores each join looks up', () => {
    const d = describePlan(plan(topology));
    expect(d.subtopologies).toHaveLength(1);
    const sub = d.subtopologies[0];
    expect(sub?.tables).toEqual([
      { operator: 'products', topic: 'products', store: 'products-store' },
      { operator: 'stock', topic: 'stock', store: 'stock-store' },
    ]);
    expect(sub?.storeChangelogs.every((s) => s.changelogIsSource)).toBe(true);
    expect(sub?.operators.find((o) => o.name === 'offers')).toEqual({ name: 'offers', kind: 'table-table-join', children: ['price'], lookups: ['products-store', 'stock-store'] });
    expect(sub?.operators.find((o) => o.name === 'price')?.lookups).toEqual(['products-store', 'stock-store']);
    // No changelog topic is created and none is written.
    expect(d.topics.filter((t) => t.role === 'changelog')).toEqual([]);
    expect(sub?.edges.filter((e) => e.direction === 'write')).toEqual([{ direction: 'write', topic: 'priced', operator: 'to-priced' }]);
    const text = formatDescription(d);
    expect(text).toContain('  tables products <- products (store products-store)\n');
    expect(text).toContain('         stock <- stock (store stock-store)\n');
    expect(text).toContain('  table-table-join   offers -> price  (looks up products-store, stock-store)\n');
    expect(text).toContain('  stores products-store (key-value, products) -> products  (the source topic: restored from it, nothing written)\n');
  });
});
