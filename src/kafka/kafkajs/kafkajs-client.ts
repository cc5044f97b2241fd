/** The kafkajs adapter: one kafkajs `Kafka` object configured from the connection, shared by everything it creates. */
import { Kafka, type ISocketFactory, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { silentKafkaLogger, type KafkaLogger } from '../logger.ts';
import type { KafkaClient, KafkaConnection } from '../types.ts';
import { installFetchAbortedFilter } from './fetch-response-patch.ts';
import { KafkajsAdminClient } from './kafkajs-admin.ts';
import { KafkajsConsumer } from './kafkajs-consumer.ts';
import { kafkajsLogCreator, toKafkajsLogLevel, type KafkajsLogLevel } from './kafkajs-logging.ts';
import { KafkajsPartitionReader } from './kafkajs-partition-reader.ts';
import { KafkajsProducer } from './kafkajs-producer.ts';
import { KafkajsTransactionalProducer, type ProduceOptions } from './kafkajs-transactional-producer.ts';

export interface KafkajsClientOptions {
  /** kafkajs's own log level; its lines go to the logger given to createKafkajsClient. Default 'warn'. */
  readonly logLevel?: KafkajsLogLevel;
  /** Opens the TCP/TLS sockets; for proxies, and for fault injection in the conformance tests. */
  readonly socketFactory?: ISocketFactory;
  /** How transactional producers write records (default: the wire path; `path: 'kafkajs'` for kafkajs's producer). */
  readonly produce?: ProduceOptions;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
/** Retries of kafkajs's cluster-level calls (metadata, coordinators, InitProducerId). */
const CLUSTER_RETRY = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 8 } as const;

function saslOptions(sasl: NonNullable<KafkaConnection['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export function kafkajsConfig(connection: KafkaConnection, logger: KafkaLogger, options: KafkajsClientOptions = {}): KafkaConfig {
  const config: KafkaConfig = {
    brokers: [...connection.brokers],
    clientId: connection.clientId,
    connectionTimeout: connection.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    retry: CLUSTER_RETRY,
    logLevel: toKafkajsLogLevel(options.logLevel ?? 'warn'),
    logCreator: kafkajsLogCreator(logger),
  };
  if (connection.ssl !== undefined) {
    config.ssl = typeof connection.ssl === 'boolean' ? connection.ssl : connection.ssl.ca === undefined ? true : { ca: [connection.ssl.ca] };
  }
  if (connection.sasl !== undefined) config.sasl = saslOptions(connection.sasl);
  if (options.socketFactory !== undefined) config.socketFactory = options.socketFactory;
  return config;
}

export function createKafkajsClient(
  connection: KafkaConnection,
  logger: KafkaLogger = silentKafkaLogger,
  options: KafkajsClientOptions = {},
): KafkaClient {
  installFetchAbortedFilter();
  const config = kafkajsConfig(connection, logger, options);
  const kafka = new Kafka(config);
  return {
    // Its own Kafka object: kafkajs keeps one committed-offsets cache per Kafka object, which its consumer reads
    // its positions from and which a transaction's sendOffsets writes into before the transaction even commits.
    consumer: (consumerOptions) => new KafkajsConsumer(new Kafka(config), consumerOptions, logger),
    transactionalProducer: (producerOptions) => new KafkajsTransactionalProducer(kafka, producerOptions, logger, options.produce),
    producer: () => new KafkajsProducer(kafka),
    admin: () => new KafkajsAdminClient(kafka, logger),
    partitionReader: () => new KafkajsPartitionReader(kafka, logger),
  };
}
