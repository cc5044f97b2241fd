/**
 * topologies/order-payments.ts under exactly-once, SIGKILLed twice mid-stream and restarted: a table restored
 * from its source topic, a stream–table join behind a repartition, a stream–stream left join with its buffers
 * and unmatched-records store, and a table aggregate of the joined stream, all rebuilt from Kafka. The
 * committed output, read read_committed, is compared with what is computed here from the input: each order of
 * a known customer settled exactly once (with its payment, or unpaid), and the last revenue per tier equal to
 * the sum of the paid amounts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/testing/index.ts';
import type { Customer, Order, Payment, SettledOrder } from '../../../topologies/order-payments.ts';
import { brokers, committedTotal, createTopics, endOffsets, produce, readTopic, uniqueName, type Message } from '../support/kafka.ts';
import { explainShortfall } from '../support/diagnose.ts';
import { startSluice, waitFor, type SluiceProcess } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'order-payments.ts');
const PARTITIONS = 3;
const CUSTOMERS = 60;
const ORDERS = 3000;
const TIERS: Customer['tier'][] = ['gold', 'silver', 'bronze'];
const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const WINDOW_MS = 15 * MIN;
/** Event time between orders; input is fed in event-time order, a chunk at a time, as a live stream would be. */
const STEP_MS = 200;
const CHUNK_MS = 20_000;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

describe('order payments across two SIGKILLs', () => {
  it('settles every order of a known customer once and sums revenue per tier exactly', { timeout: 600_000 }, async () => {
    const seed = Math.floor(Math.random() * 1e9);
    const next = random(seed);
    const customers = new Map<string, Customer>();
    for (let c = 0; c < CUSTOMERS; c++) customers.set(`c${c}`, { name: `customer ${c}`, tier: TIERS[c % TIERS.length] as Customer['tier'] });
    const orders: Order[] = [];
    const payments: { orderId: string; payment: Payment }[] = [];
    const expectedPaid = new Map<string, number | null>();
    const revenue = new Map<string, number>();
    for (let i = 0; i < ORDERS; i++) {
      // One in ten orders is for a customer nobody knows: the inner table join drops it.
      const customerId = next() < 0.1 ? `unknown-${i}` : `c${Math.floor(next() * CUSTOMERS)}`;
      const order: Order = { orderId: `o${i}`, customerId, amount: 1 + Math.floor(next() * 100), ts: T0 + i * STEP_MS };
      orders.push(order);
      // Paid within the window, paid too late, or never paid.
      const r = next();
      const paidAt = r < 0.6 ? order.ts + Math.floor(next() * WINDOW_MS) : r < 0.75 ? order.ts + WINDOW_MS + 1 + Math.floor(next() * MIN) : undefined;
      if (paidAt !== undefined) payments.push({ orderId: order.orderId, payment: { amount: order.amount, ts: paidAt } });
      const customer = customers.get(customerId);
      if (customer === undefined) continue;
      const inWindow = paidAt !== undefined && paidAt - order.ts <= WINDOW_MS;
      expectedPaid.set(order.orderId, inWindow ? order.amount : null);
      if (inWindow) revenue.set(customer.tier, (revenue.get(customer.tier) ?? 0) + order.amount);
    }
    payments.sort((a, b) => a.payment.ts - b.payment.ts);

    const name = (what: string) => uniqueName(`op-${what}`);
    const topics = { customers: name('customers'), orders: name('orders'), payments: name('payments'), settled: name('settled'), revenue: name('revenue') };
    const applicationId = uniqueName('op');
    await createTopics([
      { name: topics.customers, partitions: PARTITIONS, compacted: true },
      { name: topics.orders, partitions: PARTITIONS },
      { name: topics.payments, partitions: PARTITIONS },
      { name: topics.settled, partitions: PARTITIONS },
      { name: topics.revenue, partitions: PARTITIONS },
    ]);
    await produce(topics.customers, [...customers].map(([id, c]): Message => ({ key: id, value: JSON.stringify(c), timestamp: T0 - MIN })));

    const env = { OP_CUSTOMERS: topics.customers, OP_ORDERS: topics.orders, OP_PAYMENTS: topics.payments, OP_SETTLED: topics.settled, OP_REVENUE: topics.revenue, KAFKA_BROKERS: brokers() };
    const flags = ['--processing-guarantee', 'exactly_once', '--session-timeout-ms', '6000'];
    const runs: SluiceProcess[] = [startSluice(fixture, { applicationId, env, flags, name: 'run-0' })];
    // The table is in before any order is: the join sees every customer.
    await waitFor('the customers table to be committed', async () => (await committedTotal(applicationId, topics.customers)) >= CUSTOMERS, 120_000, 200);
    // Far-future records on every partition of both join inputs move every watermark past every window.
    const flushAt = T0 + ORDERS * STEP_MS + 3 * WINDOW_MS;
    const orderMessages: Message[] = orders.map((o) => ({ key: o.orderId, value: JSON.stringify(o), timestamp: o.ts }));
    const paymentMessages: Message[] = payments.map((p) => ({ key: p.orderId, value: JSON.stringify(p.payment), timestamp: p.payment.ts }));
    // The join reads orders re-keyed by order id: one flush order id per partition of that topic (and its payment).
    for (let p = 0; p < PARTITIONS; p++) {
      let k = 0;
      while (partitionForKey(Buffer.from(`flush-${k}`), PARTITIONS) !== p) k++;
      const id = `flush-${k}`;
      orderMessages.push({ key: id, value: JSON.stringify({ orderId: id, customerId: 'c0', amount: 0, ts: flushAt }), timestamp: flushAt });
      paymentMessages.push({ key: id, value: JSON.stringify({ amount: 0, ts: flushAt + 1 }), timestamp: flushAt + 1 });
    }
    const lastPaymentAt = Math.max(...payments.map((p) => p.payment.ts));
    for (let from = T0; from <= lastPaymentAt; from += CHUNK_MS) {
      const inChunk = (m: Message) => (m.timestamp as number) >= from && (m.timestamp as number) < from + CHUNK_MS;
      await Promise.all([produce(topics.orders, orderMessages.filter(inChunk)), produce(topics.payments, paymentMessages.filter(inChunk))]);
    }
    const flushes = (m: Message) => (m.timestamp as number) >= flushAt;
    await Promise.all([produce(topics.orders, orderMessages.filter(flushes)), produce(topics.payments, paymentMessages.filter(flushes))]);

    const total = expectedPaid.size;
    // Each kill comes once the running instance has itself committed output (the second one is not killed
    // while it is still starting).
    let floor = 0;
    for (const fraction of [0.25 + Math.random() * 0.15, 0.55 + Math.random() * 0.15]) {
      const target = Math.max(Math.floor(total * fraction), floor + 200);
      const running = runs[runs.length - 1] as SluiceProcess;
      await waitFor(`settled output to pass ${target} records (${running.logFile})`, async () => (await endOffsets(topics.settled)) >= target, 300_000, 100);
      running.kill('SIGKILL');
      await running.exited;
      floor = await endOffsets(topics.settled);
      runs.push(startSluice(fixture, { applicationId, env, flags, name: `run-${runs.length}` }));
    }

    // Every order of a known customer, plus the flush orders (customer c0, each paid 0 by its flush payment).
    const settled = await readTopic(topics.settled, { expected: total + PARTITIONS, timeoutMs: 300_000, quietMs: 3000 });
    // Revenue comes one sub-topology later (through the by-tier repartition topic) and only grows: read it
    // until the last value per tier is the expected one or past it, or time is up. A lost update never gets
    // there; a duplicated one goes past.
    const lastRevenue = new Map<string, number>();
    const revenueDeadline = Date.now() + 180_000;
    for (;;) {
      lastRevenue.clear();
      for (const r of await readTopic(topics.revenue, { timeoutMs: 20_000, quietMs: 2000 })) lastRevenue.set(r.key ?? '', JSON.parse(r.value ?? '0') as number);
      const settledAll = [...revenue].every(([tier, sum]) => (lastRevenue.get(tier) ?? 0) >= sum);
      if (settledAll || Date.now() > revenueDeadline) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const last = runs[runs.length - 1] as SluiceProcess;
    // Short of output: say why while the last run still holds its state (CI keeps no logs).
    if (settled.length < total + PARTITIONS || [...revenue].some(([tier, sum]) => lastRevenue.get(tier) !== sum)) {
      console.log(`[order-payments] shortfall:\n${await explainShortfall({ applicationId, topics: Object.values(topics), logFiles: runs.map((r) => r.logFile) })}`);
    }
    last.kill('SIGTERM');
    const code = await last.exited;

    const seen = new Map<string, (number | null)[]>();
    for (const r of settled) {
      const value = JSON.parse(r.value ?? 'null') as SettledOrder;
      if (value.orderId.startsWith('flush-')) continue;
      seen.set(value.orderId, [...(seen.get(value.orderId) ?? []), value.paidAmount]);
    }
    const missing = [...expectedPaid.keys()].filter((id) => !seen.has(id));
    const duplicated = [...seen].filter(([, values]) => values.length > 1).map(([id]) => id);
    const wrong = [...seen].filter(([id, values]) => expectedPaid.has(id) && values[0] !== expectedPaid.get(id)).map(([id, v]) => `${id}: ${String(v[0])} != ${String(expectedPaid.get(id))}`);
    const unexpected = [...seen.keys()].filter((id) => !expectedPaid.has(id));
    console.log(
      `[order-payments] seed ${seed}: ${orders.length} orders, ${payments.length} payments, ${total} settled expected; ${settled.length} committed; missing ${missing.length}, duplicated ${duplicated.length}, wrong ${wrong.length}, unexpected ${unexpected.length}; revenue ${JSON.stringify(Object.fromEntries(lastRevenue))} expected ${JSON.stringify(Object.fromEntries(revenue))}; logs ${runs.map((r) => r.logFile).join(' ')}`,
    );
    expect(missing.slice(0, 10)).toEqual([]);
    expect(duplicated.slice(0, 10)).toEqual([]);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(Object.fromEntries(lastRevenue)).toEqual(Object.fromEntries(revenue));
    expect(code).toBe(0);
  });
});
