/**
 * The Kafka seam's conformance suite (test/support/kafka-conformance/) for the memory adapter: the same cases
 * the kafkajs adapter passes against the real broker, on one MemoryKafka cluster.
 */
import { afterAll } from 'vitest';
import { MemoryKafka, type InjectedFault } from '../../../../src/kafka/memory/index.ts';
import { conformanceSuite } from '../../../support/kafka-conformance/suite.ts';

const cluster = new MemoryKafka();
let faultyClients = 0;

afterAll(() => cluster.close());

conformanceSuite(
  {
    name: 'memory',
    create: (connection) => cluster.client({ clientId: connection.clientId }),
    createWithFaults: (connection) => {
      faultyClients += 1;
      const clientId = `${connection.clientId}-faulty-${faultyClients}`;
      const armed: InjectedFault[] = [];
      return {
        client: cluster.client({ clientId }),
        faults: {
          failNextEndTxn: (count = 1) => {
            armed.push(cluster.faults.failEndTxn({ clientId, times: count }));
          },
          get endTxnFailures() {
            return armed.reduce((sum, fault) => sum + fault.hits, 0);
          },
        },
      };
    },
  },
  { brokers: ['memory'], clientId: 'sluice-conformance' },
);
