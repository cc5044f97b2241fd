/**
 * The in-memory adapter of the Kafka seam, for tests (not part of the package's public API): a MemoryKafka
 * cluster, one `client()` per application instance, fault injection on `cluster.faults`. It passes the same
 * conformance suite as the kafkajs adapter (test/support/kafka-conformance/).
 *
 * ```ts
 * const cluster = new MemoryKafka();
 * cluster.createTopic({ name: 'in', partitions: 2 });
 * const client = cluster.client({ clientId: 'instance-1' });      // a KafkaClient
 * cluster.faults.loseCommitReply({ transactionalId: /^app-/ });    // the next commit of app-* commits, then rejects
 * // ... run code against `client` ...
 * await cluster.settle();                                          // every consumer delivered what there is
 * cluster.readCommitted('out', 0);                                 // what read_committed readers see
 * cluster.committedOffset('app', 'in', 0);                         // the group's committed offset
 * client.kill();                                                   // the instance dies (zombie transactions stay open)
 * cluster.expireSessions();                                        // ... and its group members expire now
 * cluster.group('app').expel(memberId);                            // a member's session expired during a pause
 * cluster.fence('app-0_1');                                        // a newer producer initialised that id
 * cluster.close();                                                 // stops Kafka's own timers
 * ```
 */
export { MemoryKafka, type MemoryKafkaOptions, type MemoryTopic, type ClientOptions } from './memory-kafka.ts';
export { MemoryClient } from './memory-client.ts';
export {
  FaultInjector,
  type CoordinatorFaultScope,
  type FaultApi,
  type FaultEvent,
  type FaultKind,
  type FaultScope,
  type InjectedFault,
  type SendFaultScope,
} from './faults.ts';
export { MemoryBrokerError, type BrokerErrorType } from './broker-error.ts';
