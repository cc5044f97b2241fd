import type { Admin as RawAdmin, Kafka } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { silentKafkaLogger } from '../../../src/kafka/index.ts';
import { KafkajsAdminClient } from '../../../src/kafka/kafkajs/kafkajs-admin.ts';

function adminOver(raw: Partial<RawAdmin>): KafkajsAdminClient {
  const stub = { connect: async () => {}, disconnect: async () => {}, ...raw } as RawAdmin;
  return new KafkajsAdminClient({ admin: () => stub } as unknown as Kafka, silentKafkaLogger);
}

describe('kafkajs admin wrapper', () => {
  it('reports negative committed offsets (kafkajs commits -2 when it resets a position) as none', async () => {
    const admin = adminOver({
      fetchOffsets: async () => [{ topic: 't', partitions: [{ partition: 0, offset: '-2', metadata: null }, { partition: 1, offset: '17', metadata: null }] }],
    });
    await admin.connect();
    expect(await admin.committedOffsets('g', 't')).toEqual(
      new Map([
        [0, '-1'],
        [1, '17'],
      ]),
    );
  });

  it('describes only existing topics and creates only missing ones', async () => {
    const createTopics = vi.fn(async () => true);
    const admin = adminOver({
      fetchTopicMetadata: async () => ({ topics: [{ name: 'a', partitions: [{}, {}] as never }, { name: 'other', partitions: [] }] }),
      createTopics,
    });
    await admin.connect();
    expect(await admin.describeTopics(['a', 'b'])).toEqual(new Map([['a', { name: 'a', partitions: 2 }]]));
    await admin.createTopics([
      { name: 'a', partitions: 2 },
      { name: 'b', partitions: 3, config: { 'cleanup.policy': 'compact' } },
    ]);
    expect(createTopics).toHaveBeenCalledWith({
      waitForLeaders: true,
      topics: [{ topic: 'b', numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
  });

  it('fails clearly when used before connect', async () => {
    await expect(adminOver({}).topicOffsets('t')).rejects.toThrow(/not connected/);
  });
});
