/**
 * A stream–table join across SIGKILL, against the real broker. The table (prices) is read from a compacted
 * topic that is its store's only changelog: sluice creates no changelog topic for it. Prices (several
 * versions per product, some deleted) are all consumed and committed before any order is produced; the
 * process is killed mid-orders (before the last 40% exist) and restarted, so the rebuilt tasks restore the table from the prices topic
 * up to the committed offset. The output (read_committed) must hold each order whose product has a final
 * price exactly once, priced with that final price, and nothing for a deleted product.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/testing/index.ts';
import { brokers, committedTotal, createTopics, endOffsets, kafka, produce, readTopic, uniqueName, type Message } from '../support/kafka.ts';
import { startSluice, waitFor } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'table-enrich.ts');
const PRODUCTS = 300;
const VERSIONS = 3;
const ORDERS = 20_000;
const PARTITIONS = 4;

const productKey = (p: number) => `product-${p}`;
/** Final price of a product, or null when its last record is a tombstone (every seventh product). */
const finalPrice = (p: number): number | null => (p % 7 === 0 ? null : 100 + p * 10 + (VERSIONS - 1));
const message = (key: string, value: string | null): Message => ({ key, value, partition: partitionForKey(Buffer.from(key), PARTITIONS) });

describe('stream–table join across SIGKILL', () => {
  it('restores the table from its source topic and joins every order exactly once with the final price', async () => {
    const prices = uniqueName('enrich-prices');
    const orders = uniqueName('enrich-orders');
    const output = uniqueName('enrich-out');
    const applicationId = uniqueName('enrich');
    await createTopics([
      { name: prices, partitions: PARTITIONS, compacted: true },
      { name: orders, partitions: PARTITIONS },
      { name: output, partitions: PARTITIONS },
    ]);
    const priceRecords: Message[] = [];
    for (let v = 0; v < VERSIONS; v++) {
      for (let p = 0; p < PRODUCTS; p++) priceRecords.push(message(productKey(p), JSON.stringify({ cents: 100 + p * 10 + v })));
    }
    for (let p = 0; p < PRODUCTS; p += 7) priceRecords.push(message(productKey(p), null));
    await produce(prices, priceRecords);

    const env = { ENRICH_PRICES: prices, ENRICH_ORDERS: orders, ENRICH_OUTPUT: output, KAFKA_BROKERS: brokers() };
    const flags = ['--processing-guarantee', 'exactly_once', '--session-timeout-ms', '6000'];
    const first = startSluice(fixture, { applicationId, env, flags, name: 'run-0' });
    // Every price is processed and committed before the first order exists: the join result is then fixed.
    await waitFor(`all prices committed (${first.logFile})`, async () => (await committedTotal(applicationId, prices)) >= priceRecords.length, 180_000, 200);

    const orderRecords: Message[] = [];
    const expected = new Map<number, number>();
    for (let i = 0; i < ORDERS; i++) {
      const p = (i * 31) % PRODUCTS;
      const qty = 1 + (i % 5);
      orderRecords.push(message(productKey(p), JSON.stringify({ i, qty })));
      const price = finalPrice(p);
      if (price !== null) expected.set(i, qty * price);
    }
    // The first run sees only the first 60% of the orders and is killed while it writes them, so however fast
    // it is, the rest is left for the second run, which must restore the table to join them.
    const firstPart = Math.floor(ORDERS * 0.6);
    await produce(orders, orderRecords.slice(0, firstPart));
    const target = Math.floor(expected.size * (0.1 + Math.random() * 0.4));
    await waitFor(`output to pass ${target} records (${first.logFile})`, async () => (await endOffsets(output)) >= target, 180_000, 100);
    first.kill('SIGKILL');
    await first.exited;
    await produce(orders, orderRecords.slice(firstPart));
    const second = startSluice(fixture, { applicationId, env, flags, name: 'run-1' });

    const records = await readTopic(output, { expected: expected.size, timeoutMs: 240_000, quietMs: 3000 });
    second.kill('SIGTERM');
    const code = await second.exited;

    const seen = new Map<number, number[]>();
    for (const r of records) {
      const { i, cents } = JSON.parse(r.value ?? 'null') as { i: number; cents: number };
      seen.set(i, [...(seen.get(i) ?? []), cents]);
    }
    const missing = [...expected.keys()].filter((i) => !seen.has(i));
    const duplicated = [...seen].filter(([, c]) => c.length > 1).map(([i]) => i);
    const wrong = [...seen].filter(([i, c]) => expected.get(i) !== c[0]).map(([i]) => i);
    const admin = kafka().admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    console.log(`[table-join] killed at ${target} output records; ${records.length} committed of ${expected.size} expected; missing ${missing.length}, duplicated ${duplicated.length}, wrong ${wrong.length}; log ${second.logFile}`);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(wrong).toEqual([]);
    expect(records).toHaveLength(expected.size);
    expect(second.output()).toContain('restoring tables from their source topics');
    expect(topics.filter((t) => t.startsWith(applicationId) && t.endsWith('-changelog'))).toEqual([]);
    expect(code).toBe(0);
  });
});
