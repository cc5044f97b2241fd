/**
 * The conformance suite of the Kafka seam (src/kafka/types.ts): every adapter runs the same cases against the
 * real broker. Each case uses its own topics, group ids and transactional ids.
 */
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createKafkajsClient, type KafkaConnection, type KafkaLogger } from '../../../src/kafka/index.ts';
import { adminCases } from './support/cases-admin.ts';
import { consumerCases } from './support/cases-consumer.ts';
import { producerCases } from './support/cases-producer.ts';
import { readerCases } from './support/cases-reader.ts';
import { transactionCases } from './support/cases-transactions.ts';
import type { AdapterUnderTest, SuiteEnv } from './support/suite.ts';
import { FaultSockets } from './support/fault-sockets.ts';

/** Adapter warnings and errors on the console when SLUICE_TEST_KAFKA_LOGS=1. */
const logger: KafkaLogger | undefined =
  process.env.SLUICE_TEST_KAFKA_LOGS === '1'
    ? { debug: () => {}, info: () => {}, warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o) }
    : undefined;

const adapters: AdapterUnderTest[] = [
  {
    name: 'kafkajs',
    create: (connection) => createKafkajsClient(connection, logger),
    createWithFaults: (connection) => {
      const faults = new FaultSockets();
      return { client: createKafkajsClient(connection, logger, { socketFactory: faults.factory }), faults };
    },
  },
];

const connection: KafkaConnection = { brokers: inject('kafkaBrokers').split(','), clientId: 'sluice-conformance' };

describe.each(adapters)('Kafka adapter conformance: $name', (adapter) => {
  const env = {} as SuiteEnv;

  beforeAll(async () => {
    env.adapter = adapter;
    env.connection = connection;
    env.client = adapter.create(connection);
    env.admin = env.client.admin();
    await env.admin.connect();
  });

  afterAll(async () => {
    await env.admin.disconnect();
  });

  describe('Admin', () => adminCases(env));
  describe('GroupConsumer', () => consumerCases(env));
  describe('TransactionalProducer', () => transactionCases(env));
  describe('Producer', () => producerCases(env));
  describe('PartitionReader', () => readerCases(env));
});
