/**
 * The conformance suite of the Kafka seam (src/kafka/types.ts): every adapter runs the same cases, the kafkajs
 * adapter against the real broker (integration project), the memory adapter against a MemoryKafka cluster (unit
 * project). Each case uses its own topics, group ids and transactional ids.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Admin, KafkaClient, KafkaConnection } from '../../../src/kafka/index.ts';
import { adminCases } from './cases-admin.ts';
import { consumerCases } from './cases-consumer.ts';
import { producerCases } from './cases-producer.ts';
import { readerCases } from './cases-reader.ts';
import { transactionCases } from './cases-transactions.ts';

/** Faults on the way to the broker, for the recovery cases. */
export interface ConnectionFaults {
  /** The next `count` EndTxn requests (commit or abort) fail as if the connection broke before they were sent. */
  failNextEndTxn(count?: number): void;
  /** How many EndTxn requests failed that way so far. */
  readonly endTxnFailures: number;
}

export interface AdapterUnderTest {
  readonly name: string;
  create(connection: KafkaConnection): KafkaClient;
  /** A client whose EndTxn requests can be made to fail; without it the recovery cases are skipped. */
  createWithFaults?(connection: KafkaConnection): { client: KafkaClient; faults: ConnectionFaults };
}

/** Filled in by the suite's beforeAll; read it inside tests only. */
export interface SuiteEnv {
  adapter: AdapterUnderTest;
  connection: KafkaConnection;
  client: KafkaClient;
  admin: Admin;
}

/** Defines the whole suite for one adapter (call it at the top level of a test file). */
export function conformanceSuite(adapter: AdapterUnderTest, connection: KafkaConnection): void {
  describe(`Kafka adapter conformance: ${adapter.name}`, () => {
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
}
