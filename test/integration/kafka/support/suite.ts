/** What the conformance cases get: the adapter under test and, once the suite started, a client and an admin. */
import type { Admin, KafkaClient, KafkaConnection } from '../../../../src/kafka/index.ts';
import type { FaultSockets } from './fault-sockets.ts';

export interface AdapterUnderTest {
  readonly name: string;
  create(connection: KafkaConnection): KafkaClient;
  /** A client whose connections can be broken before a given request; without it the recovery cases are skipped. */
  createWithFaults?(connection: KafkaConnection): { client: KafkaClient; faults: FaultSockets };
}

/** Filled in by the suite's beforeAll; read it inside tests only. */
export interface SuiteEnv {
  adapter: AdapterUnderTest;
  connection: KafkaConnection;
  client: KafkaClient;
  admin: Admin;
}
