/**
 * Facts about kafkajs itself that the kafkajs adapter is built around, checked against the broker so that a
 * change of kafkajs or Kafka that removes a workaround's reason shows up here.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafkajsClient } from '../../../src/kafka/index.ts';
import { ApiKey, FaultSockets } from './support/fault-sockets.ts';
import { readRange, record, unique, waitForEnd } from '../../support/kafka-conformance/helpers.ts';

const brokers = inject('kafkaBrokers').split(',');

describe('kafkajs, as the adapter uses it', () => {
  const kafka = new Kafka({ clientId: 'sluice-kafkajs-facts', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  it('refuses a new transaction after a failed commit (why the adapter replaces its kafkajs producer)', async () => {
    const topic = unique('kafkajs-stuck');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const faults = new FaultSockets();
    const faulty = new Kafka({ clientId: 'sluice-kafkajs-facts', brokers, logLevel: logLevel.NOTHING, socketFactory: faults.factory });
    const producer = faulty.producer({ transactionalId: unique('kafkajs-stuck'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ value: 'lost' }] });
    faults.failNext(ApiKey.EndTxn);
    await expect(tx.commit()).rejects.toThrow();
    await expect(tx.abort()).rejects.toThrow(/Cannot continue to use transaction once ended/);
    await expect(producer.transaction()).rejects.toThrow(/Invalid state transition|Transaction state exception/);
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
  });

  it('the partition reader joins no consumer group', async () => {
    const client = createKafkajsClient({ brokers, clientId: 'sluice-kafkajs-facts' });
    const topic = unique('kafkajs-reader-groups');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = client.producer();
    await producer.connect();
    await producer.send([record(topic, 'a'), record(topic, 'b')]);
    await producer.disconnect();
    const before = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const sluiceAdmin = client.admin();
    await sluiceAdmin.connect();
    const end = await waitForEnd(sluiceAdmin, topic, 0, 2n);
    expect((await readRange(client, topic, 0, '0', end)).length).toBe(2);
    await sluiceAdmin.disconnect();
    const after = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !before.has(g));
    expect(after).toEqual([]);
    await admin.deleteTopics({ topics: [topic] });
  });
});
