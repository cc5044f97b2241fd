/**
 * Tables loading against the real broker, seen over HTTP as an operator sees them. The instance runs in this
 * process with its own kafkajs client; its partition readers are wrapped so chosen reads wait at a gate, which
 * makes "loading" observable without racing the clock. Everything else (end offsets, fetches, transaction
 * markers, aborted records, committed positions) is the broker's.
 *
 * - A global table whose topic holds a committed and an aborted transaction: /readyz is 503 and names the table
 *   with partitions and offsets read of the offsets to read (the broker's read_committed end offsets, markers
 *   and aborted records included), the instance is not in its group and /metrics counts down per partition;
 *   once loaded it is ready, the table holds only the committed records and its lag is 0.
 * - A table read from its source topic, restored by a fresh instance up to the position the first one
 *   committed: /readyz names the task, the store and the topic with offsets, until the restore ends.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { defineTopology, serdes } from '../../../src/index.ts';
import { createKafkajsClient, type KafkaClient } from '../../../src/kafka/index.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { gatedClient, type Gate, type GateOptions } from '../../support/gated-client/gated-client.ts';
import { Application } from '../../../src/runtime/application.ts';
import type { ApplicationStatus } from '../../../src/runtime/status.ts';
import { startHttpServer, type HttpServer } from '../../../src/server/http-server.ts';
import type { ReadinessReport } from '../../../src/server/readiness.ts';
import { brokers, committedTotal, createTopics, produce, uniqueName } from '../support/kafka.ts';
import { waitFor } from '../support/sluice-process.ts';
import { checkMetricsWithPromtool, PROM_CLIENT_DEFAULT_PROBLEMS } from './promtool-check.ts';
import { httpGet } from './support.ts';

const logger = createLogger({ level: (process.env.SLUICE_TEST_LOG_LEVEL ?? 'silent') as 'silent', format: 'json', name: 'table-loading' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function gated(base: KafkaClient, options: GateOptions): Gate {
  const made = gatedClient(base, options);
  cleanups.push(async () => made.open());
  return made;
}

async function start(topology: ReturnType<typeof defineTopology>, client: KafkaClient, name: string): Promise<{ app: Application; server: HttpServer; starting: Promise<void> }> {
  const config = loadConfig({ brokers: brokers(), 'http-port': 'off', 'instance-id': name, 'commit-interval-ms': '50', 'session-timeout-ms': '6000' }, {});
  const app = new Application({ topology, config, client, logger: logger.child({ instance: name }) });
  const server = await startHttpServer({ port: 0, source: app, metrics: app.metrics, logger });
  cleanups.push(() => app.stop());
  cleanups.push(() => server.close());
  const starting = app.start();
  starting.catch(() => undefined);
  return { app, server, starting };
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function get<T>(server: HttpServer, path: string): Promise<{ status: number; body: T; text: string }> {
  const answer = await httpGet(server.port, path, 10_000);
  return { status: answer.status, text: answer.body, body: (path === '/metrics' ? undefined : JSON.parse(answer.body)) as T };
}

describe('tables loading, seen over HTTP, against the broker', () => {
  it('a global table: /readyz names it with the broker\'s offsets to read until it is loaded; then ready with lag 0', async () => {
    const topic = uniqueName('tl-customers');
    const orders = uniqueName('tl-orders');
    const output = uniqueName('tl-out');
    const applicationId = uniqueName('tl-global');
    await createTopics([{ name: topic, partitions: 3 }, { name: orders, partitions: 1 }, { name: output, partitions: 1 }]);
    // 30 customers in a committed transaction, 6 more in an aborted one: offsets to read include both and the markers.
    const kafka = new Kafka({ brokers: brokers().split(','), clientId: `${applicationId}-producer`, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: `${applicationId}-tx`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ key: `c${i}`, value: `name-${i}`, partition: i % 3 })) });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ key: `x${i}`, value: 'aborted', partition: i % 3 })) });
    await aborted.abort();
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const endOf = (p: number) => BigInt(ends.find((o) => o.partition === p)?.high ?? '0');
    const totalOffsets = [0, 1, 2].reduce((sum, p) => sum + Number(endOf(p)), 0);
    // 10 committed + 2 aborted records and a marker for each transaction, per partition.
    expect(totalOffsets).toBe(42);

    const topology = defineTopology({ applicationId }, (t) => {
      const customers = t.globalTable(topic, { key: serdes.string(), value: serdes.string(), name: 'customers' });
      t.stream(orders, { key: serdes.string(), value: serdes.string() })
        .join(customers, (_, id) => id, (id, name, orderId) => `${orderId}:${id}:${name}`)
        .to(output, { key: serdes.string(), value: serdes.string() });
    });
    // Partition 0 loads up to its end; partitions 1 and 2 wait at the gate.
    const base = createKafkajsClient({ brokers: brokers().split(','), clientId: `${applicationId}-a` });
    const gate = gated(base, { holdFetch: ({ partition, offset }) => partition !== 0 || offset >= endOf(0) });
    const { app, server, starting } = await start(topology, gate.client, 'tl-global-a');
    await waitFor('partition 0 loaded, the others held', () => gate.waiting() >= 2 && app.status().globalTables?.[0]?.restoredPartitions === 1, 60_000, 20);

    const readyz = await get<ReadinessReport>(server, '/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.body).toMatchObject({ status: 'not_ready', inGroup: false, tasks: 0 });
    expect(readyz.body.globalTables).toMatchObject([{ name: 'customers', topic, state: 'restoring', partitions: 3, restoredPartitions: 1, totalOffsets, readOffsets: Number(endOf(0)) }]);
    expect(readyz.body.reasons[0]).toContain(`restoring global table customers from ${topic} (1 of 3 partitions at their end offsets, ${endOf(0)} of ${totalOffsets} offsets read`);
    const status = await get<ApplicationStatus>(server, '/api/status');
    expect(status.body.globalTables?.[0]).toMatchObject({ state: 'restoring', entries: 10, restore: { totalOffsets, readOffsets: Number(endOf(0)), records: 10, durationMs: null } });
    const metrics = (await get<unknown>(server, '/metrics')).text;
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="customers",task="global-0"')).toBe(0);
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="customers",task="global-1"')).toBe(Number(endOf(1)));
    expect(sample(metrics, 'sluice_restore_remaining_records', 'store="customers",task="global-2"')).toBe(Number(endOf(2)));
    expect(await committedTotal(applicationId, orders)).toBe(0);

    gate.open();
    await starting;
    await produce(orders, [{ key: 'o1', value: 'c4' }]);
    await waitFor('ready with its task', async () => (await get<ReadinessReport>(server, '/readyz')).status === 200 && app.status().tasks.length === 1, 120_000, 100);
    expect((await get<ReadinessReport>(server, '/readyz')).body).toMatchObject({ status: 'ready', reasons: [], globalTables: [], restoring: [] });
    await waitFor('lag 0 on every partition', () => app.status().globalTables?.[0]?.lag === 0, 60_000, 50);
    expect(app.status().globalTables?.[0]).toMatchObject({ state: 'following', entries: 30, restoredPartitions: 3, restore: { totalOffsets, readOffsets: totalOffsets, records: 30, etaMs: 0 } });
    const after = (await get<unknown>(server, '/metrics')).text;
    for (const p of [0, 1, 2]) expect(sample(after, 'sluice_global_table_lag_records', `store="customers",partition="${p}"`)).toBe(0);
    // The exposition with the global table's samples in it still passes the Prometheus linter.
    expect(await checkMetricsWithPromtool(after, { ignore: PROM_CLIENT_DEFAULT_PROBLEMS })).toEqual([]);
  });

  it('a table restored from its source topic: /readyz names the task, store and topic with offsets until it is restored', async () => {
    const prices = uniqueName('tl-prices');
    const output = uniqueName('tl-changes');
    const applicationId = uniqueName('tl-table');
    const RECORDS = 2_000;
    await createTopics([{ name: prices, partitions: 1 }, { name: output, partitions: 1 }]);
    await produce(prices, Array.from({ length: RECORDS }, (_, i) => ({ key: `p${i % 500}`, value: String(i), partition: 0 })));
    const topology = defineTopology({ applicationId }, (t) => {
      t.table(prices, { key: serdes.string(), value: serdes.string(), name: 'prices' })
        .toStream()
        .to(output, { key: serdes.string(), value: serdes.string() });
    });

    // A first instance processes the table topic and commits its position in it.
    const first = await start(topology, createKafkajsClient({ brokers: brokers().split(','), clientId: `${applicationId}-a` }), 'tl-table-a');
    await first.starting;
    await waitFor('the first instance to commit every price', async () => (await committedTotal(applicationId, prices)) >= RECORDS, 120_000, 200);
    await first.app.stop();
    await first.server.close();

    // A fresh instance restores the table up to that position; its first fetch is handed over in two halves.
    const gate = gated(createKafkajsClient({ brokers: brokers().split(','), clientId: `${applicationId}-b` }), { splitRead: prices });
    const { app, server, starting } = await start(topology, gate.client, 'tl-table-b');
    await starting;
    await waitFor('the restore to reach the gate', () => gate.waiting() === 1, 120_000, 20);

    const readyz = await get<ReadinessReport>(server, '/readyz');
    expect(readyz.status).toBe(503);
    const [restoring] = readyz.body.restoring;
    expect(restoring).toMatchObject({ task: '0_0', phase: 'source-topics', totalOffsets: RECORDS, stores: [{ store: 'prices-store', topic: prices, partition: 0, source: 'source-topic', totalOffsets: RECORDS }] });
    const read = restoring?.readOffsets ?? -1;
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(RECORDS);
    expect(restoring?.progress).toBeCloseTo(read / RECORDS, 6);
    expect(readyz.body.reasons).toContainEqual(expect.stringContaining(`task 0_0 is restoring its state (`));
    expect(readyz.body.reasons.join('\n')).toContain(`table prices-store from ${prices} partition 0: ${read} of ${RECORDS} offsets read`);
    const metrics = (await get<unknown>(server, '/metrics')).text;
    expect(sample(metrics, 'sluice_restore_remaining_records', `store="prices-store",task="0_0"`)).toBe(RECORDS - read);

    gate.open();
    await waitFor('ready', async () => (await get<ReadinessReport>(server, '/readyz')).status === 200, 120_000, 100);
    expect((await get<ReadinessReport>(server, '/readyz')).body).toMatchObject({ status: 'ready', restoring: [], reasons: [] });
    expect(app.status().tasks[0]).toMatchObject({ state: 'running', restoreProgress: 1, stores: [{ name: 'prices-store', entries: 500 }] });
    const after = (await get<unknown>(server, '/metrics')).text;
    expect(sample(after, 'sluice_restore_remaining_records', `store="prices-store",task="0_0"`)).toBe(0);
    expect(sample(after, 'sluice_restore_records_total', `store="prices-store"`)).toBe(RECORDS);
  });
});
