/**
 * StateRestorer.restoreTables on the memory cluster: a table's store is restored from its source topic up to
 * the task's committed position in it, not to the topic's end (records past the position are processed by the
 * task afterwards, as changes from the restored values), and nothing is asked of a changelog topic for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineTopology, serdes } from '../../../src/index.ts';
import { MemoryKafka } from '../../../src/kafka/memory/index.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { plan } from '../../../src/planner/plan.ts';
import { StateRestorer } from '../../../src/runtime/state-restorer.ts';
import { buildTask } from '../../../src/runtime/task-factory.ts';
import type { KeyValueStore } from '../../../src/state/key-value-store.ts';

const clusters: MemoryKafka[] = [];
afterEach(() => {
  for (const cluster of clusters.splice(0)) cluster.close();
});

const topology = defineTopology({ applicationId: 'restore-tables' }, (t) => {
  t.table('prices', { key: serdes.string(), value: serdes.json<number>(), name: 'prices' })
    .toStream()
    .to('out', { key: serdes.string(), value: serdes.json<number | null>() });
});

describe('restoreTables', () => {
  it('restores from the source topic up to the committed position, applying tombstones in order', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: 'prices', partitions: 1 });
    const client = cluster.client();
    const producer = client.producer();
    await producer.connect();
    const value = (n: number | null) => (n === null ? null : Buffer.from(JSON.stringify(n)));
    const records: [string, number | null][] = [['a', 1], ['b', 2], ['a', 3], ['b', null], ['c', 5], ['a', 9], ['c', null]];
    await producer.send(records.map(([k, v]) => ({ topic: 'prices', partition: 0, key: Buffer.from(k), value: value(v), timestampMs: 0 })));
    await producer.disconnect();

    const p = plan(topology);
    const sub = p.subtopologies[0];
    if (sub === undefined) throw new Error('no sub-topology');
    const restorer = new StateRestorer(client, p, new Metrics({ applicationId: 'restore-tables', version: 'test' }), createLogger({ level: 'silent' }), null);
    const restoreAt = async (position: string) => {
      const task = buildTask({ plan: p, topology, recordLog: { warn: () => {} } }, sub, 0, 0);
      task.setCommittedPosition('prices', position);
      const changelogs = await restorer.restore(task, () => false);
      expect(changelogs.changelogEnds.size).toBe(0);
      await restorer.restoreTables(task, () => false);
      const store = task.stores.get('prices-store') as KeyValueStore<string, number>;
      return Object.fromEntries(store.entries());
    };
    expect(await restoreAt('0')).toEqual({});
    expect(await restoreAt('3')).toEqual({ a: 3, b: 2 });
    expect(await restoreAt('5')).toEqual({ a: 3, c: 5 });
    expect(await restoreAt('7')).toEqual({ a: 9 });
    await restorer.close();
  });
});
