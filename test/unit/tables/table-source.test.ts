import { describe, expect, it } from 'vitest';
import { defineTopology, serdes } from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { plan } from '../../../src/planner/plan.ts';
import { nullableJson } from './support.ts';

const str = serdes.string();

interface Product {
  readonly name: string;
  readonly cents: number;
}

function productsTopology() {
  return defineTopology({ applicationId: 'tables' }, (t) => {
    t.table('products', { key: str, value: serdes.json<Product>(), name: 'products' })
      .toStream()
      .to('product-changes', { key: str, value: serdes.json<Product | null>() });
  });
}

describe('t.table', () => {
  it('keeps the latest value per key; a null value deletes the key and emits a tombstone', () => {
    const driver = new TopologyTestDriver(productsTopology());
    const products = driver.input<string, Product | null>('products');
    products.pipe('p1', { name: 'pen', cents: 100 });
    products.pipe('p2', { name: 'ink', cents: 300 });
    products.pipe('p1', { name: 'pen', cents: 120 });
    products.pipeRaw(Buffer.from('p2'), null);
    // Deleting an absent key changes nothing downstream.
    products.pipeRaw(Buffer.from('p9'), null);
    const out = driver.readOutput('product-changes', { key: str, value: nullableJson<Product>() });
    expect(out.map((r) => [r.key, r.value])).toEqual([
      ['p1', { name: 'pen', cents: 100 }],
      ['p2', { name: 'ink', cents: 300 }],
      ['p1', { name: 'pen', cents: 120 }],
      ['p2', null],
    ]);
    const store = driver.store<string, Product>('products-store');
    expect(store.get('p1')).toEqual({ name: 'pen', cents: 120 });
    expect(store.get('p2')).toBeUndefined();
  });

  it('has the source topic as its changelog: no changelog topic, nothing written for the store', () => {
    const p = plan(productsTopology());
    expect(p.sourceChangelogs.get('products-store')).toBe('products');
    expect(p.changelogTopics.has('products-store')).toBe(false);
    expect(p.internalTopics.filter((t) => t.role === 'changelog')).toEqual([]);
    const driver = new TopologyTestDriver(productsTopology());
    driver.input<string, Product>('products').pipe('p1', { name: 'pen', cents: 100 });
    expect(driver.rawOutput('tables-products-store-changelog')).toEqual([]);
    // The only "changelog" records are the source topic's own.
    expect(driver.changelogRecords().map((r) => r.topic)).toEqual(['products']);
  });

  it('is restored from its source topic by a rebuilt driver, and processing continues at the next offset', () => {
    const first = new TopologyTestDriver(productsTopology(), { partitions: 2 });
    const products = first.input<string, Product | null>('products');
    for (let i = 0; i < 20; i++) products.pipe(`p${i % 7}`, { name: `n${i}`, cents: i });
    products.pipeRaw(Buffer.from('p3'), null);
    const changelog = first.changelogRecords();
    const second = new TopologyTestDriver(productsTopology(), { partitions: 2, changelog });
    const store = second.store<string, Product>('products-store');
    for (let k = 0; k < 7; k++) expect(store.get(`p${k}`)).toEqual(k === 3 ? undefined : first.store<string, Product>('products-store').get(`p${k}`));
    // An update after the rebuild sees the restored value as the old one (one change out, not a fresh insert).
    second.input<string, Product>('products').pipe('p0', { name: 'again', cents: 1 });
    expect(second.readOutput<string, Product>('product-changes').map((r) => [r.key, r.value])).toEqual([['p0', { name: 'again', cents: 1 }]]);
    expect(second.store<string, Product>('products-store').get('p0')).toEqual({ name: 'again', cents: 1 });
    // Its changelog records continue the source topic: a third driver restores the update too.
    const third = new TopologyTestDriver(productsTopology(), { partitions: 2, changelog: second.changelogRecords() });
    expect(third.store<string, Product>('products-store').get('p0')).toEqual({ name: 'again', cents: 1 });
    expect(third.store<string, Product>('products-store').get('p3')).toBeUndefined();
  });

  it('skips a record that does not decode on restore (it was skipped when first processed)', () => {
    const topology = defineTopology({ applicationId: 'tables-skip', onError: 'skip' }, (t) => {
      t.table('products', { key: str, value: serdes.json<Product>(), name: 'products' }).toStream().to('out', { key: str, value: serdes.json<Product | null>() });
    });
    const first = new TopologyTestDriver(topology);
    first.input<string, Product>('products').pipe('p1', { name: 'pen', cents: 1 });
    first.input<string, Product>('products').pipeRaw(Buffer.from('p2'), Buffer.from('{not json'));
    expect(first.store<string, Product>('products-store').get('p2')).toBeUndefined();
    const second = new TopologyTestDriver(topology, { changelog: first.changelogRecords() });
    expect(second.store<string, Product>('products-store').get('p1')).toEqual({ name: 'pen', cents: 1 });
    expect(second.store<string, Product>('products-store').get('p2')).toBeUndefined();
  });
});
