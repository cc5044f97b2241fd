import { expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors/index.ts';
import { record, unique, waitFor, waitForEnd } from './helpers.ts';
import type { SuiteEnv } from './suite.ts';

export function adminCases(env: SuiteEnv): void {
  it('creates topics (existing ones left alone), describes them (missing ones absent) and deletes them', async () => {
    const { admin } = env;
    const a = unique('admin-a');
    const b = unique('admin-b');
    const missing = unique('admin-missing');
    await admin.createTopics([
      { name: a, partitions: 3 },
      { name: b, partitions: 1, config: { 'cleanup.policy': 'compact' } },
    ]);
    await admin.createTopics([{ name: a, partitions: 5 }]);

    const described = await admin.describeTopics([a, b, missing]);
    expect(described.get(a)).toEqual({ name: a, partitions: 3 });
    expect(described.get(b)).toEqual({ name: b, partitions: 1 });
    expect(described.has(missing)).toBe(false);
    expect((await admin.describeTopics([])).size).toBe(0);

    await admin.deleteTopics([b, missing]);
    await waitFor('topic deletion', async () => ((await admin.describeTopics([b])).has(b) ? undefined : true));
    // The admin client still works for other topics after a topic it knew was deleted.
    expect((await admin.topicOffsets(a)).map((p) => p.partition)).toEqual([0, 1, 2]);
    await admin.deleteTopics([a]);
  });

  it('reports offsets: low = log start, high = last stable offset (an open transaction holds it back)', async () => {
    const { admin, client } = env;
    const topic = unique('admin-offsets');
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    expect(await admin.topicOffsets(topic)).toEqual([
      { partition: 0, low: '0', high: '0' },
      { partition: 1, low: '0', high: '0' },
    ]);

    const producer = client.producer();
    await producer.connect();
    await producer.send([0, 1, 2, 3, 4].map((i) => record(topic, `plain-${i}`, { partition: 0 })));
    await producer.disconnect();
    expect((await admin.topicOffsets(topic))[0]).toEqual({ partition: 0, low: '0', high: '5' });

    const tx = client.transactionalProducer({ transactionalId: unique('admin-offsets-tx'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const open = await tx.begin();
    await open.send([0, 1, 2].map((i) => record(topic, `tx-${i}`, { partition: 0 })));
    // The high watermark is 8 now, but read_committed readers cannot go past the open transaction.
    expect((await admin.topicOffsets(topic))[0]?.high).toBe('5');
    await open.commit();
    // 3 records + the commit marker.
    expect(await waitForEnd(admin, topic, 0, 9n)).toBe('9');
    await tx.disconnect();
    expect((await admin.topicOffsets(topic))[1]).toEqual({ partition: 1, low: '0', high: '0' });
    await admin.deleteTopics([topic]);
  });

  it('reports committed offsets of a group ("-1" where none)', async () => {
    const { admin, client } = env;
    const topic = unique('admin-committed');
    const groupId = unique('admin-committed-group');
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    expect(await admin.committedOffsets(groupId, topic)).toEqual(
      new Map([
        [0, '-1'],
        [1, '-1'],
      ]),
    );
    const tx = client.transactionalProducer({ transactionalId: unique('admin-committed-tx'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const t = await tx.begin();
    await t.sendOffsets(groupId, [{ topic, partition: 1, offset: '42' }]);
    await t.commit();
    await tx.disconnect();
    // Offsets committed in a transaction become readable once the commit marker is written, a moment later.
    const committed = await waitFor('the committed offset', async () => {
      const offsets = await admin.committedOffsets(groupId, topic);
      return offsets.get(1) === '42' ? offsets : undefined;
    });
    expect(committed).toEqual(
      new Map([
        [0, '-1'],
        [1, '42'],
      ]),
    );
    await admin.deleteTopics([topic]);
  });

  it('deletes records below an offset (low moves up, later records stay)', async () => {
    const { admin, client } = env;
    const topic = unique('admin-delete-records');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.producer();
    await producer.connect();
    await producer.send(Array.from({ length: 10 }, (_, i) => record(topic, `v${i}`, { partition: 0 })));
    await producer.disconnect();
    await waitForEnd(admin, topic, 0, 10n);
    await admin.deleteRecordsBefore(topic, [{ partition: 0, offset: '7' }]);
    expect(await admin.topicOffsets(topic)).toEqual([{ partition: 0, low: '7', high: '10' }]);
    // Not beyond the high watermark, and never back.
    await expect(admin.deleteRecordsBefore(topic, [{ partition: 0, offset: '11' }])).rejects.toBeInstanceOf(KafkaError);
    await admin.deleteRecordsBefore(topic, [{ partition: 0, offset: '3' }]);
    expect(await admin.topicOffsets(topic)).toEqual([{ partition: 0, low: '7', high: '10' }]);
    await admin.deleteTopics([topic]);
  });
}
