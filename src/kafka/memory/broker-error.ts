/**
 * The in-memory broker's answers, shaped like the errors kafkajs hands up (`name`, `type`, `retriable`), so the
 * memory adapter wraps them with the very functions the kafkajs adapter uses (src/kafka/client-errors.ts): the
 * same SluiceError classes, the same `retriable` flags, the same message shape, and the broker error as `cause`.
 */
export type BrokerErrorType =
  | 'PRODUCER_FENCED'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'MESSAGE_TOO_LARGE'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'OFFSET_OUT_OF_RANGE'
  | 'REBALANCE_IN_PROGRESS'
  | 'INVALID_PARTITIONS'
  | 'INVALID_TXN_STATE'
  | 'CONNECTION_BROKEN'
  | 'REQUEST_TIMED_OUT'
  | 'ILLEGAL_GENERATION';

/** Whether Kafka (and kafkajs) treat the error as retriable. */
const RETRIABLE: Readonly<Record<BrokerErrorType, boolean>> = {
  PRODUCER_FENCED: false,
  COORDINATOR_NOT_AVAILABLE: true,
  MESSAGE_TOO_LARGE: false,
  NOT_LEADER_OR_FOLLOWER: true,
  UNKNOWN_TOPIC_OR_PARTITION: true,
  OFFSET_OUT_OF_RANGE: false,
  REBALANCE_IN_PROGRESS: true,
  INVALID_PARTITIONS: false,
  INVALID_TXN_STATE: false,
  CONNECTION_BROKEN: true,
  REQUEST_TIMED_OUT: true,
  ILLEGAL_GENERATION: false,
};

export class MemoryBrokerError extends Error {
  readonly type: BrokerErrorType;
  readonly retriable: boolean;
  /** True when the error was injected by a test (MemoryKafka.faults), for log lines and assertions. */
  readonly injected: boolean;

  constructor(type: BrokerErrorType, message: string, options: { retriable?: boolean; injected?: boolean } = {}) {
    super(message);
    this.name = 'MemoryBrokerError';
    this.type = type;
    this.retriable = options.retriable ?? RETRIABLE[type];
    this.injected = options.injected ?? false;
  }
}
