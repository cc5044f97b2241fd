/**
 * A kafkajs Cluster (connection pool + metadata) configured exactly like the client's own producers and
 * consumers, for the partition reader, which needs a plain Fetch without a consumer group: kafkajs has no
 * assign() API, and for the wire produce path (wire-producer-session.ts). kafkajs keeps its cluster factory behind a private symbol of the Kafka object; kafkajs 2.2.4 is
 * the last release, so this internal is frozen (test/unit/kafka/internal-cluster.test.ts checks it).
 */
import type { Cluster, Kafka } from 'kafkajs';
import { KafkaError } from '../../errors/index.ts';

const CREATE_CLUSTER = 'private:Kafka:createCluster';
const READ_COMMITTED = 1;
const METADATA_MAX_AGE_MS = 300_000;

interface ClusterFactoryOptions {
  readonly metadataMaxAge: number;
  readonly allowAutoTopicCreation: boolean;
  readonly maxInFlightRequests: number | null;
  readonly instrumentationEmitter: null;
  readonly isolationLevel: number;
}

/** Overrides of the defaults above (the wire produce path: no auto-creation, one request in flight per broker). */
export interface InternalClusterOptions {
  readonly allowAutoTopicCreation?: boolean;
  readonly maxInFlightRequests?: number | null;
}

export function createInternalCluster(kafka: Kafka, overrides: InternalClusterOptions = {}): Cluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const factory: unknown = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof factory !== 'function') {
    throw new KafkaError(`kafkajs internals changed: no "${CREATE_CLUSTER}" factory on the Kafka object (the partition reader needs it)`);
  }
  const options: ClusterFactoryOptions = {
    metadataMaxAge: METADATA_MAX_AGE_MS,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    instrumentationEmitter: null,
    isolationLevel: READ_COMMITTED,
    ...overrides,
  };
  return (factory as (options: ClusterFactoryOptions) => Cluster)(options);
}
