/**
 * What an operator sees over HTTP while tables load, on the memory cluster with reads held at a gate (so the
 * loading state is observed without racing a clock), and after:
 *
 * - a global table: /readyz is 503 and names it with partitions and offsets read of those to read, the
 *   instance stays out of its group; /api/status and /metrics say the same; once the gate opens it is ready,
 *   the table is following with lag 0 and /readyz lists no loading table;
 * - a table read from its source topic (`t.table`), restored by a fresh instance up to the committed position:
 *   /readyz names the task, the store, the topic and the offsets; progress is that phase's, not 100%.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { defineTopology, serdes } from '../../../src/index.ts';
import type { KafkaClient, OutputRecord } from '../../../src/kafka/index.ts';
import { murmur2Partition } from '../../../src/kafka/murmur2.ts';
import { MemoryKafka } from '../../../src/kafka/memory/index.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { gatedClient, type Gate, type GateOptions } from '../../support/gated-client/gated-client.ts';
import { Application } from '../../../src/runtime/application.ts';
import type { ApplicationStatus } from '../../../src/runtime/status.ts';
import { startHttpServer, type HttpServer } from '../../../src/server/http-server.ts';
import type { ReadinessReport } from '../../../src/server/readiness.ts';

const logger = createLogger({ level: 'silent', format: 'json', name: 'test' });
const clusters: MemoryKafka[] = [];
const apps: Application[] = [];
const servers: HttpServer[] = [];
const gates: Gate[] = [];

afterEach(async () => {
  // A failed assertion leaves reads at the gate: let them go, so the applications can stop.
  for (const gate of gates.splice(0)) gate.open();
  for (const server of servers.splice(0)) await server.close();
  for (const app of apps.splice(0)) await app.stop().catch(() => undefined);
  for (const cluster of clusters.splice(0)) cluster.close();
});

function gated(base: KafkaClient, options: GateOptions): Gate {
  const made = gatedClient(base, options);
  gates.push(made);
  return made;
}

function rec(topic: string, key: string, value: string, partitions: number): OutputRecord {
  return { topic, partition: murmur2Partition(Buffer.from(key), partitions), key: Buffer.from(key), value: Buffer.from(value), timestampMs: Date.now() };
}

async function send(client: KafkaClient, records: OutputRecord[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  await producer.send(records);
  await producer.disconnect();
}

async function waitUntil(app: Application, what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  let failure: unknown;
  app.done.catch((error: unknown) => (failure = error));
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (failure !== undefined) throw new Error(`the application failed while waiting for ${what}`, { cause: failure });
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${JSON.stringify(app.status())})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function serve(app: Application): Promise<(path: string) => Promise<{ status: number; text: string }>> {
  const server = await startHttpServer({ port: 0, source: app, metrics: app.metrics, logger });
  servers.push(server);
  return async (path) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: response.status, text: await response.text() };
  };
}

/** The value of one sample in a Prometheus text exposition, undefined when absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const config = () => loadConfig({ 'commit-interval-ms': '20', 'http-port': 'off' }, {}, { requireBrokers: false });

describe('global table loading, seen over HTTP', () => {
  const topology = defineTopology({ applicationId: 'loading-global' }, (t) => {
    const customers = t.globalTable('customers', { key: serdes.string(), value: serdes.string(), name: 'customers' });
    t.stream('orders', { key: serdes.string(), value: serdes.string() })
      .join(customers, (_, customerId) => customerId, (customerId, name, orderId) => `${orderId}:${customerId}:${name}`)
      .to('enriched', { key: serdes.string(), value: serdes.string() });
  });

  it('/readyz, /api/status and /metrics name the loading global table with offsets read; ready once it is loaded', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: 'customers', partitions: 3 });
    cluster.createTopic({ name: 'orders', partitions: 1 });
    cluster.createTopic({ name: 'enriched', partitions: 1 });
    const base = cluster.client();
    const customers = Array.from({ length: 30 }, (_, i) => rec('customers', `c${i}`, `name-${i}`, 3));
    await send(base, customers);
    const perPartition = [0, 1, 2].map((p) => customers.filter((r) => r.partition === p).length);
    expect(perPartition.every((n) => n > 0)).toBe(true);

    // Partition 0 may load; every other fetch waits at the gate.
    const gate = gated(base, { holdFetch: ({ partition, nth }) => partition !== 0 || nth > 1 });
    const app = new Application({ topology, config: config(), client: gate.client, logger });
    apps.push(app);
    const get = await serve(app);
    const starting = app.start();
    await waitUntil(app, 'partition 0 loaded and the others held', () => gate.waiting() >= 2 && app.status().globalTables?.[0]?.restoredPartitions === 1);

    const readyz = await get('/readyz');
    expect(readyz.status).toBe(503);
    const report = JSON.parse(readyz.text) as ReadinessReport;
    expect(report).toMatchObject({ status: 'not_ready', inGroup: false, tasks: 0 });
    // The rate and the time left depend on the clock: present, but their values are not asserted.
    expect(report.globalTables).toEqual([
      { name: 'customers', topic: 'customers', state: 'restoring', partitions: 3, restoredPartitions: 1, totalOffsets: 30, readOffsets: perPartition[0], offsetsPerSec: report.globalTables[0]?.offsetsPerSec, etaMs: report.globalTables[0]?.etaMs },
    ]);
    expect(Object.keys(report.globalTables[0] ?? {})).toEqual(expect.arrayContaining(['offsetsPerSec', 'etaMs']));
    expect(report.reasons[0]).toMatch(new RegExp(`^restoring global table customers from customers \\(1 of 3 partitions at their end offsets, ${perPartition[0]} of 30 offsets read[,)]`));
    expect(report.reasons[0]).toMatch(/; the instance joins its group after that$/);

    const status = JSON.parse((await get('/api/status')).text) as ApplicationStatus;
    expect(status.ready).toBe(false);
    expect(status.globalTables?.[0]).toMatchObject({ state: 'restoring', entries: perPartition[0], restore: { totalOffsets: 30, readOffsets: perPartition[0], records: perPartition[0], durationMs: null }, lag: null });

    const metrics = (await get('/metrics')).text;
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="customers",task="global-0"')).toBe(0);
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="customers",task="global-1"')).toBe(perPartition[1]);
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="customers",task="global-2"')).toBe(perPartition[2]);
    expect(sample(metrics, 'sluice_restore_records_total', 'store="customers"')).toBe(perPartition[0]);
    expect(sample(metrics, 'sluice_global_table_lag_records', 'store="customers",partition="0"')).toBe(0);
    // Nothing joined the group before the table is loaded.
    expect(cluster.committedOffsets('loading-global', 'orders')).toEqual([]);

    gate.open();
    await starting;
    await waitUntil(app, 'readiness', async () => (await get('/readyz')).status === 200);
    const ready = JSON.parse((await get('/readyz')).text) as ReadinessReport;
    expect(ready).toMatchObject({ status: 'ready', reasons: [], globalTables: [], restoring: [] });
    await waitUntil(app, 'every partition fetched once', () => app.status().globalTables?.[0]?.lag === 0);
    expect(app.status().globalTables?.[0]).toMatchObject({ state: 'following', entries: 30, restoredPartitions: 3, restore: { totalOffsets: 30, readOffsets: 30, records: 30, etaMs: 0 }, lag: 0 });
    const after = (await get('/metrics')).text;
    for (const p of [0, 1, 2]) {
      expect(sample(after, 'sluice_restore_remaining_records', `store="customers",task="global-${p}"`)).toBe(0);
      expect(sample(after, 'sluice_global_table_lag_records', `store="customers",partition="${p}"`)).toBe(0);
    }
    expect(sample(after, 'sluice_restore_records_total', 'store="customers"')).toBe(30);
  });
});

describe('table restore from its source topic, seen over HTTP', () => {
  const topology = defineTopology({ applicationId: 'loading-table' }, (t) => {
    t.table('prices', { key: serdes.string(), value: serdes.string(), name: 'prices' })
      .toStream()
      .to('price-changes', { key: serdes.string(), value: serdes.string() });
  });

  it('/readyz names the task, store, topic and offsets while a fresh instance restores the table; ready after', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: 'prices', partitions: 1 });
    cluster.createTopic({ name: 'price-changes', partitions: 1 });
    const base = cluster.client();
    await send(base, Array.from({ length: 10 }, (_, i) => ({ ...rec('prices', `p${i % 6}`, `${i}`, 1), partition: 0 })));

    // A first instance processes the table topic and commits its position (10) in it.
    const first = new Application({ topology, config: config(), client: base, logger });
    apps.push(first);
    await first.start();
    await waitUntil(first, 'the first instance to commit all ten', () => cluster.committedOffset('loading-table', 'prices', 0) === '10');
    await first.stop();

    // A fresh instance restores the table up to that position: five offsets, then the gate, then the rest.
    const gate = gated(base, { splitRead: 'prices' });
    const app = new Application({ topology, config: config(), client: gate.client, logger });
    apps.push(app);
    const get = await serve(app);
    await app.start();
    await waitUntil(app, 'the restore to reach the gate', () => gate.waiting() === 1);

    const readyz = await get('/readyz');
    expect(readyz.status).toBe(503);
    const report = JSON.parse(readyz.text) as ReadinessReport;
    const [restoring] = report.restoring;
    expect(Object.keys(restoring ?? {})).toEqual(expect.arrayContaining(['offsetsPerSec', 'etaMs']));
    expect(report.restoring).toEqual([
      {
        task: '0_0', progress: 0.5, phase: 'source-topics', totalOffsets: 10, readOffsets: 5, offsetsPerSec: restoring?.offsetsPerSec, etaMs: restoring?.etaMs,
        stores: [{ store: 'prices-store', topic: 'prices', partition: 0, source: 'source-topic', totalOffsets: 10, readOffsets: 5, records: 5 }],
      },
    ]);
    expect(report.reasons).toContainEqual(expect.stringMatching(/^task 0_0 is restoring its state \(50%\): table prices-store from prices partition 0: 5 of 10 offsets read/));
    const status = JSON.parse((await get('/api/status')).text) as ApplicationStatus;
    expect(status.tasks[0]).toMatchObject({ id: '0_0', state: 'restoring', restoreProgress: 0.5, restore: { phase: 'source-topics', readOffsets: 5, totalOffsets: 10, records: 5 } });
    const metrics = (await get('/metrics')).text;
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="prices-store",task="0_0"')).toBe(5);
    expect(sample(metrics, 'sluice_restore_records_total', 'store="prices-store"')).toBe(5);

    gate.open();
    await waitUntil(app, 'readiness', async () => (await get('/readyz')).status === 200);
    expect(JSON.parse((await get('/readyz')).text)).toMatchObject({ status: 'ready', reasons: [], restoring: [], globalTables: [] });
    const running = app.status().tasks[0];
    expect(running).toMatchObject({ state: 'running', restoreProgress: 1, stores: [{ name: 'prices-store', entries: 6 }] });
    expect(running?.restore).toBeUndefined();
    const after = (await get('/metrics')).text;
    expect(sample(after, 'sluice_restore_remaining_records', 'store="prices-store",task="0_0"')).toBe(0);
    expect(sample(after, 'sluice_restore_records_total', 'store="prices-store"')).toBe(10);
  });
});
