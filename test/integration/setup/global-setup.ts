/**
 * Picks the Kafka cluster for the integration tests, in this order:
 *   1. KAFKA_BROKERS is set          → that cluster;
 *   2. a Docker engine is reachable  → the official Apache Kafka image through testcontainers;
 *   3. otherwise                     → the local broker of docker/local-kafka/kafka.sh (Java + Maven).
 * Tests read the address with `inject('kafkaBrokers')` and never hard-code it.
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { brokerScript, freePort, startLocalBroker, stopLocalBroker } from './local-broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    kafkaVersion: string;
    kafkaSource: 'env' | 'testcontainers' | 'local';
  }
}

const KAFKA_IMAGE = 'apache/kafka:4.1.1';

async function dockerReachable(): Promise<boolean> {
  if (process.env.DOCKER_HOST === undefined && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    project.provide('kafkaBrokers', fromEnv);
    project.provide('kafkaVersion', 'unknown (external cluster)');
    project.provide('kafkaSource', 'env');
    console.log(`[sluice tests] Kafka from KAFKA_BROKERS: ${fromEnv}`);
    return async () => {};
  }
  if (await dockerReachable()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
    const brokers = `${container.getHost()}:${container.getMappedPort(9093)}`;
    project.provide('kafkaBrokers', brokers);
    project.provide('kafkaVersion', KAFKA_IMAGE.split(':')[1] ?? 'unknown');
    project.provide('kafkaSource', 'testcontainers');
    console.log(`[sluice tests] Kafka from testcontainers (${KAFKA_IMAGE}) at ${brokers}`);
    return async () => {
      await container.stop();
    };
  }
  const port = await freePort(19092);
  const started = Date.now();
  const broker = await startLocalBroker(port);
  project.provide('kafkaBrokers', broker.brokers);
  project.provide('kafkaVersion', broker.version);
  project.provide('kafkaSource', 'local');
  console.log(
    `[sluice tests] local Apache Kafka ${broker.version} (${brokerScript}) at ${broker.brokers}, ready in ${Date.now() - started} ms`,
  );
  return async () => {
    await stopLocalBroker(port);
  };
}
