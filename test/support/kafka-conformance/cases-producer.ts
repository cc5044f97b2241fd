import { expect, it } from 'vitest';
import { murmur2Partition } from '../../../src/kafka/index.ts';
import { readCommitted, record, unique, values, waitForEnd } from './helpers.ts';
import type { SuiteEnv } from './suite.ts';

export function producerCases(env: SuiteEnv): void {
  it('sends keyed records to the Java client partition (murmur2) and explicit ones where told, in order', async () => {
    const { admin, client } = env;
    const topic = unique('producer');
    await admin.createTopics([{ name: topic, partitions: 3 }]);
    const producer = client.producer();
    await producer.connect();
    // More than one sendBatch's worth, so the split keeps order.
    const keyed = Array.from({ length: 2_500 }, (_, i) => record(topic, `keyed-${i}`, { key: Buffer.from(`key-${i % 97}`) }));
    const explicit = Array.from({ length: 5 }, (_, i) => record(topic, `explicit-${i}`, { partition: 1, key: null, headers: { n: String(i) } }));
    await producer.send([...keyed, ...explicit]);
    await producer.send([]);
    await producer.disconnect();

    const expected = [0, 1, 2].map((partition) => [
      ...keyed.filter((r) => murmur2Partition(r.key as Buffer, 3) === partition).map((r) => r.value?.toString() ?? ''),
      ...(partition === 1 ? explicit.map((r) => r.value?.toString() ?? '') : []),
    ]);
    for (const partition of [0, 1, 2]) {
      await waitForEnd(admin, topic, partition, BigInt(expected[partition]?.length ?? 0));
      const records = await readCommitted(client, admin, topic, partition);
      expect(values(records)).toEqual(expected[partition]);
    }
    const explicitRead = (await readCommitted(client, admin, topic, 1)).filter((r) => r.value?.toString().startsWith('explicit'));
    expect(explicitRead.map((r) => Buffer.from(r.headers.n ?? '').toString())).toEqual(['0', '1', '2', '3', '4']);
    await admin.deleteTopics([topic]);
  });
}
