/**
 * The broker contract the exactly-once engine relies on, checked with the Kafka client directly:
 * committed transactions are visible to read_committed consumers, aborted ones never are, and offsets sent
 * inside a transaction move the group's committed offset only when the transaction commits.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('kafkaBrokers').split(',');
const kafka = new Kafka({ clientId: 'sluice-broker-contract', brokers, logLevel: logLevel.NOTHING });
const id = randomUUID().slice(0, 8);
const topic = `contract-${id}`;
const outTopic = `contract-out-${id}`;

async function readAll(consumer: Consumer, fromTopic: string, expected: number, timeoutMs = 20_000): Promise<string[]> {
  const seen: string[] = [];
  await consumer.subscribe({ topic: fromTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(message.value?.toString() ?? '');
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (seen.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // Give a straggler (e.g. an aborted record that should never show) time to appear.
  await new Promise((r) => setTimeout(r, 1000));
  return seen;
}

describe('broker contract for exactly-once', () => {
  const admin = kafka.admin();

  beforeAll(async () => {
    console.log(`[broker] ${inject('kafkaSource')} Apache Kafka ${inject('kafkaVersion')} at ${brokers.join(',')}`);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: outTopic, numPartitions: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  it('shows read_committed consumers the committed batch only', async () => {
    const producer = kafka.producer({ transactionalId: `contract-tx-${id}`, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: `committed-${i}` })) });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `aborted-${i}` })) });
    await aborted.abort();
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `contract-read-${id}`, readUncommitted: false });
    await consumer.connect();
    const seen = await readAll(consumer, topic, 5);
    await consumer.disconnect();
    expect(seen.sort()).toEqual(['committed-0', 'committed-1', 'committed-2', 'committed-3', 'committed-4']);
  });

  it('moves the group offset with sendOffsets only when the transaction commits', async () => {
    const groupId = `contract-group-${id}`;
    const producer = kafka.producer({ transactionalId: `contract-offsets-${id}`, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();

    const aborted = await producer.transaction();
    await aborted.send({ topic: outTopic, messages: [{ value: 'never' }] });
    await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '3' }] }] });
    await aborted.abort();
    const afterAbort = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(afterAbort[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('-1');

    const tx = await producer.transaction();
    await tx.send({ topic: outTopic, messages: [{ value: 'out-1' }] });
    await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '2' }] }] });
    await tx.commit();
    await producer.disconnect();

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('2');

    const consumer = kafka.consumer({ groupId: `contract-out-read-${id}`, readUncommitted: false });
    await consumer.connect();
    const seen = await readAll(consumer, outTopic, 1);
    await consumer.disconnect();
    expect(seen).toEqual(['out-1']);
  });
});
