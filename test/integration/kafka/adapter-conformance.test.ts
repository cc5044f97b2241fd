/**
 * The Kafka seam's conformance suite (test/support/kafka-conformance/) for the kafkajs adapter, against the
 * real broker. The memory adapter runs the same cases in the unit project (test/unit/kafka/memory/).
 */
import { inject } from 'vitest';
import { createKafkajsClient, type KafkaConnection, type KafkaLogger } from '../../../src/kafka/index.ts';
import { conformanceSuite } from '../../support/kafka-conformance/suite.ts';
import { ApiKey, FaultSockets } from './support/fault-sockets.ts';

/** Adapter warnings and errors on the console when SLUICE_TEST_KAFKA_LOGS=1. */
const logger: KafkaLogger | undefined =
  process.env.SLUICE_TEST_KAFKA_LOGS === '1'
    ? { debug: () => {}, info: () => {}, warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o) }
    : undefined;

const connection: KafkaConnection = { brokers: inject('kafkaBrokers').split(','), clientId: 'sluice-conformance' };

// Both produce paths of the transactional producer: the wire path (the default) and kafkajs's own producer.
for (const path of ['wire', 'kafkajs'] as const) {
  conformanceSuite(
    {
      name: `kafkajs, ${path} produce path`,
      create: (brokers) => createKafkajsClient(brokers, logger, { produce: { path } }),
      createWithFaults: (brokers) => {
        const sockets = new FaultSockets();
        return {
          client: createKafkajsClient(brokers, logger, { socketFactory: sockets.factory, produce: { path } }),
          faults: {
            failNextEndTxn: (count = 1) => sockets.failNext(ApiKey.EndTxn, count),
            get endTxnFailures() {
              return sockets.dropped.get(ApiKey.EndTxn) ?? 0;
            },
          },
        };
      },
    },
    connection,
  );
}
