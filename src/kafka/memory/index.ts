/**
 * The in-memory adapter of the Kafka seam, for tests (not part of the package's public API): a MemoryKafka
 * cluster, one `client()` per application instance, fault injection on `cluster.faults`.
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
