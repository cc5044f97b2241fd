/**
 * Global tables against the real broker: two instances of one application (in this process, each with its own
 * kafkajs client) join a 2-partition order stream with a 3-partition customer topic read as a global table.
 *
 * - Customers and orders produced before the start: every order is joined (inner join, none dropped), so no
 *   task processed a record before its instance had restored the whole table.
 * - Each instance holds every customer of all three partitions while it owns only one order partition; an
 *   update on each customer partition reaches both, and later orders on both order partitions see it.
 * - Exactly once: every order appears once in the committed output.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { defineTopology, serdes } from '../../../src/index.ts';
import { createKafkajsClient, murmur2Partition } from '../../../src/kafka/index.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { Application } from '../../../src/runtime/application.ts';
import { brokers, createTopics, produce, readTopic, uniqueName } from '../support/kafka.ts';
import { waitFor } from '../support/sluice-process.ts';

const CUSTOMERS = 30;
const ORDERS = 40;

describe('global tables with two instances', () => {
  it('restores the table on each instance before processing and keeps every instance current with all partitions', async () => {
    const customers = uniqueName('gt-customers');
    const orders = uniqueName('gt-orders');
    const output = uniqueName('gt-out');
    const applicationId = uniqueName('gt');
    await createTopics([
      { name: customers, partitions: 3 },
      { name: orders, partitions: 2 },
      { name: output, partitions: 2 },
    ]);
    const customerIds = Array.from({ length: CUSTOMERS }, (_, i) => `c${i}`);
    const partitionOf = (key: string, n: number) => murmur2Partition(Buffer.from(key), n);
    expect(new Set(customerIds.map((c) => partitionOf(c, 3)))).toEqual(new Set([0, 1, 2]));
    await produce(customers, customerIds.map((c) => ({ key: c, value: `name-${c}` })));
    await produce(orders, Array.from({ length: ORDERS }, (_, i) => ({ key: `o${i}`, value: `c${i % CUSTOMERS}` })));

    const topology = defineTopology({ applicationId }, (t) => {
      const table = t.globalTable(customers, { key: serdes.string(), value: serdes.string(), name: 'customers' });
      t.stream(orders, { key: serdes.string(), value: serdes.string() })
        .join(table, (_, customerId) => customerId, (customerId, name, orderId) => `${orderId}:${customerId}:${name}`)
        .to(output, { key: serdes.string(), value: serdes.string() });
    });
    const logger = createLogger({ level: (process.env.SLUICE_TEST_LOG_LEVEL ?? 'silent') as 'silent', format: 'json', name: 'gt' });
    const apps = ['a', 'b'].map((name) => {
      const config = loadConfig({ brokers: brokers(), 'http-port': 'off', 'instance-id': `gt-${name}`, 'session-timeout-ms': '6000' }, {});
      const client = createKafkajsClient({ brokers: config.brokers, clientId: `${applicationId}-${name}` });
      return new Application({ topology, config, client, logger: logger.child({ instance: name }) });
    });
    const failures: unknown[] = [];
    for (const app of apps) app.done.catch((e: unknown) => failures.push(e));
    // What each instance's commits made visible on the output topic.
    const committedBy = apps.map(() => [] as string[]);
    apps.forEach((app, i) => app.onCommittedOutput((records) => committedBy[i]?.push(...records.filter((r) => r.topic === output).map((r) => r.value?.toString() ?? ''))));
    try {
      await Promise.all(apps.map((app) => app.start()));
      // start() returns once the instance restored its global table and joined the group.
      for (const app of apps) {
        expect(app.status().globalTables).toEqual([
          {
            name: 'customers', topic: customers, state: 'following', entries: CUSTOMERS, restoredPartitions: 3, partitions: 3,
            restore: { totalOffsets: CUSTOMERS, readOffsets: CUSTOMERS, records: CUSTOMERS, offsetsPerSec: null, etaMs: 0, durationMs: expect.any(Number) },
            lag: app.status().globalTables?.[0]?.lag,
          },
        ]);
      }

      const first = await readTopic(output, { expected: ORDERS, timeoutMs: 120_000, quietMs: 1500 });
      expect(failures).toEqual([]);
      expect(first.map((r) => r.value).sort()).toEqual(Array.from({ length: ORDERS }, (_, i) => `o${i}:c${i % CUSTOMERS}:name-c${i % CUSTOMERS}`).sort());

      // Both instances running, one order partition each.
      await waitFor('one task per instance', () => apps.every((app) => app.status().ready && app.status().tasks.length === 1), 120_000);
      const owned = apps.map((app) => app.status().tasks[0]?.partition);
      expect(new Set(owned)).toEqual(new Set([0, 1]));

      // One renamed customer per customer partition; each instance sees all three.
      const renamed = [0, 1, 2].map((p) => customerIds.find((c) => partitionOf(c, 3) === p) as string);
      const newcomer = (p: number) => {
        let k = 0;
        while (partitionOf(`new-${p}-${k}`, 3) !== p) k++;
        return `new-${p}-${k}`;
      };
      const newcomers = [0, 1, 2].map(newcomer);
      await produce(customers, [...renamed.map((c) => ({ key: c, value: `renamed-${c}` })), ...newcomers.map((c) => ({ key: c, value: `name-${c}` }))]);
      await waitFor('both instances to hold the new customers of every partition', () => apps.every((app) => app.status().globalTables?.[0]?.entries === CUSTOMERS + 3), 60_000);

      // Later orders on both order partitions, each looking up customers of all three customer partitions.
      const later: { key: string; value: string; partition: number }[] = [];
      for (let op = 0; op < 2; op++) {
        for (const c of [...renamed, ...newcomers]) later.push({ key: `late-${op}-${c}`, value: c, partition: op });
      }
      await produce(orders, later);
      const all = await readTopic(output, { expected: ORDERS + later.length, timeoutMs: 120_000, quietMs: 1500 });
      const laterOut = all.filter((r) => r.key?.startsWith('late-') === true);
      expect(laterOut.map((r) => r.value).sort()).toEqual(
        later.map((o) => `${o.key}:${o.value}:${renamed.includes(o.value) ? 'renamed-' : 'name-'}${o.value}`).sort(),
      );
      // Each instance processed its own order partition and joined with customers of all three customer partitions.
      apps.forEach((_, i) => {
        const mine = (committedBy[i] ?? []).filter((v) => v.startsWith(`late-${owned[i]}-`));
        expect(mine.map((v) => v.split(':')[1]).sort()).toEqual([...renamed, ...newcomers].sort());
        expect((committedBy[i] ?? []).filter((v) => v.startsWith('late-') && !v.startsWith(`late-${owned[i]}-`))).toEqual([]);
      });
      expect(all).toHaveLength(ORDERS + later.length);
      expect(failures).toEqual([]);
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
    }
  });
});
