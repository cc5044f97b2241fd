/** The Kafka seam: its interfaces, and the kafkajs adapter that implements them. */
export type * from './types.ts';
export type { KafkaLogger } from './logger.ts';
export { silentKafkaLogger } from './logger.ts';
export { createKafkajsClient, type KafkajsClientOptions } from './kafkajs/kafkajs-client.ts';
export { murmur2Partition } from './kafkajs/murmur2-partition.ts';
export { classifyConnectionFailure } from './kafkajs/connection-failure.ts';
