/**
 * The Application with a global table on the memory cluster: the table is restored before the instance joins
 * its group (readiness says why it waits), so stream records already in the topic are joined with table
 * records produced before the start; later table updates reach later stream records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/config.ts';
import { defineTopology, serdes } from '../../../../src/index.ts';
import type { KafkaClient, OutputRecord } from '../../../../src/kafka/index.ts';
import { murmur2Partition } from '../../../../src/kafka/murmur2.ts';
import { MemoryKafka } from '../../../../src/kafka/memory/index.ts';
import { createLogger } from '../../../../src/logging/logger.ts';
import { Application } from '../../../../src/runtime/application.ts';
import { gatedClient } from '../../../support/gated-client/gated-client.ts';

const logger = createLogger({ level: 'silent', format: 'json', name: 'test' });
const clusters: MemoryKafka[] = [];
const apps: Application[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop().catch(() => undefined);
  for (const cluster of clusters.splice(0)) cluster.close();
});

const topology = defineTopology({ applicationId: 'global-app' }, (t) => {
  const customers = t.globalTable('customers', { key: serdes.string(), value: serdes.string(), name: 'customers' });
  t.stream('orders', { key: serdes.string(), value: serdes.string() })
    .join(customers, (_, customerId) => customerId, (customerId, name, orderId) => `${orderId}:${customerId}:${name}`)
    .to('enriched', { key: serdes.string(), value: serdes.string() });
});

function rec(topic: string, key: string, value: string | null, partitions: number): OutputRecord {
  return { topic, partition: murmur2Partition(Buffer.from(key), partitions), key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestampMs: Date.now() };
}

async function send(client: KafkaClient, records: OutputRecord[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  await producer.send(records);
  await producer.disconnect();
}

async function waitUntil(app: Application, what: string, check: () => boolean): Promise<void> {
  let failure: unknown;
  app.done.catch((error: unknown) => (failure = error));
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (failure !== undefined) throw new Error(`the application failed while waiting for ${what}`, { cause: failure });
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${JSON.stringify(app.status())})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function enriched(cluster: MemoryKafka): string[] {
  return [0, 1].flatMap((p) => cluster.readCommitted('enriched', p).map((r) => r.value?.toString() ?? '')).sort();
}

describe('Application with a global table', () => {
  it('restores the table before processing, reports it in readiness, then applies updates in the background', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: 'customers', partitions: 3 });
    cluster.createTopic({ name: 'orders', partitions: 2 });
    cluster.createTopic({ name: 'enriched', partitions: 2 });
    const base = cluster.client({ clientId: 'global-app-0' });
    await send(base, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((c) => rec('customers', c, `name-${c}`, 3)));
    await send(base, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((c, i) => rec('orders', `o${i}`, c, 2)));

    // Hold the global table's fetches until the test has seen the instance waiting for them.
    const { client, open } = gatedClient(base, { holdFetch: () => true });
    const config = loadConfig({ 'commit-interval-ms': '20', 'http-port': 'off' }, {}, { requireBrokers: false });
    const app = new Application({ topology, config, client, logger });
    apps.push(app);
    const starting = app.start();
    await waitUntil(app, 'the restore to begin', () => app.status().notReadyReason?.startsWith('restoring global table customers') === true);
    expect(app.status()).toMatchObject({ ready: false, inGroup: false, tasks: [] });
    expect(cluster.committedOffsets('global-app', 'orders')).toEqual([]);
    open();
    await starting;
    await waitUntil(app, 'all six orders joined', () => enriched(cluster).length === 6);
    // Every order found its customer, wherever the customer's partition: the table was complete from the first record.
    expect(enriched(cluster)).toEqual(['o0:c1:name-c1', 'o1:c2:name-c2', 'o2:c3:name-c3', 'o3:c4:name-c4', 'o4:c5:name-c5', 'o5:c6:name-c6']);
    await waitUntil(app, 'readiness', () => app.status().ready);
    expect(app.status().globalTables).toEqual([
      {
        name: 'customers', topic: 'customers', state: 'following', entries: 6, restoredPartitions: 3, partitions: 3,
        restore: { totalOffsets: 6, readOffsets: 6, records: 6, offsetsPerSec: null, etaMs: 0, durationMs: expect.any(Number) },
        lag: 0,
      },
    ]);

    // An update and a tombstone, then one new customer per partition: once those are in, so are the first two.
    const sentinels = [0, 1, 2].map((p) => {
      let k = 0;
      while (murmur2Partition(Buffer.from(`s${p}-${k}`), 3) !== p) k++;
      return `s${p}-${k}`;
    });
    await send(base, [rec('customers', 'c1', 'renamed', 3), rec('customers', 'c2', null, 3), ...sentinels.map((s) => rec('customers', s, 'sentinel', 3))]);
    await waitUntil(app, 'the updates to be applied', () => app.status().globalTables?.[0]?.entries === 8);
    // A later order sees the update; an order for a deleted customer is dropped by the inner join.
    await send(base, [rec('orders', 'o9', 'c1', 2), rec('orders', 'o10', 'c2', 2), rec('orders', 'o11', 'c3', 2)]);
    await waitUntil(app, 'the later orders', () => enriched(cluster).length === 8);
    await waitUntil(app, 'the group to commit every order', () => [0, 1].every((p) => cluster.committedOffset('global-app', 'orders', p) === String(cluster.readCommitted('orders', p).length)));
    expect(enriched(cluster).filter((v) => /^o(9|10|11):/.test(v))).toEqual(['o11:c3:name-c3', 'o9:c1:renamed']);
  });
});
