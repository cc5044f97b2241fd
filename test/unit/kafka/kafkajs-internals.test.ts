/** The two kafkajs internals the adapter relies on are where kafkajs 2.2.4 has them. */
import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { filterAbortedInResponse, installFetchAbortedFilter } from '../../../src/kafka/kafkajs/fetch-response-patch.ts';
import { createInternalCluster } from '../../../src/kafka/kafkajs/internal-cluster.ts';
import { createErrorFromCode, createEosManager } from '../../../src/kafka/kafkajs/kafkajs-eos-internals.ts';

describe('kafkajs internals used by the adapter', () => {
  it('creates a cluster through the Kafka object’s private factory', async () => {
    const cluster = createInternalCluster(new Kafka({ brokers: ['127.0.0.1:1'], clientId: 'x', logLevel: logLevel.NOTHING }));
    expect(typeof cluster.findLeaderForPartitions).toBe('function');
    expect(typeof cluster.findBroker).toBe('function');
    expect(cluster.isConnected()).toBe(false);
    await cluster.disconnect();
  });

  it('loads the transaction manager, the error table and the broker request sender the wire produce path uses', async () => {
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], clientId: 'x', logLevel: logLevel.NOTHING });
    const cluster = createInternalCluster(kafka, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    const eos = createEosManager({ logger: kafka.logger() as never, cluster, transactionTimeout: 1_000, transactional: true, transactionalId: 'x' });
    expect(eos.isInitialized()).toBe(false);
    expect(eos.getSequence('t', 0)).toBe(0);
    expect(typeof eos.addPartitionsToTransaction).toBe('function');
    expect(createErrorFromCode(6)).toMatchObject({ type: 'NOT_LEADER_FOR_PARTITION', retriable: true });
    expect(createErrorFromCode(45)).toMatchObject({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false });
    expect(createErrorFromCode(47)).toMatchObject({ type: 'INVALID_PRODUCER_EPOCH', retriable: false });
    await cluster.disconnect();
  });

  it('wraps the parse of every read_committed Fetch response version, once', () => {
    const require = createRequire(import.meta.url);
    installFetchAbortedFilter();
    const modules = () =>
      [4, 5, 6, 7, 8, 9, 10, 11].map((v) => require(`kafkajs/src/protocol/requests/fetch/v${v}/response.js`) as Record<string | symbol, unknown>);
    const parses = modules().map((m) => m.parse);
    installFetchAbortedFilter();
    expect(modules().map((m) => m.parse)).toEqual(parses);
    expect(modules().every((m) => m[Symbol.for('sluice.kafkajs.fetchAbortedFilter')] === true)).toBe(true);
  });

  it('flags aborted records in a parsed response and empties its aborted lists', () => {
    const context = { firstOffset: '0', lastOffsetDelta: 0, producerId: '7', inTransaction: true, isControlBatch: false };
    const message = { key: null, value: Buffer.from('x'), timestamp: '0', offset: '0', headers: {}, isControlRecord: false, batchContext: context };
    const partition = { abortedTransactions: [{ producerId: '7', firstOffset: '0' }], messages: [message] };
    filterAbortedInResponse({ responses: [{ partitions: [partition] }] });
    expect(message.isControlRecord).toBe(true);
    expect(partition.abortedTransactions).toEqual([]);
  });
});
