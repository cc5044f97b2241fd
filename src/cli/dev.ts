import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, type ConfigInput } from '../config/config.ts';
import { createKafkajsClient } from '../kafka/index.ts';
import { createLogger } from '../logging/logger.ts';
import { plan } from '../planner/plan.ts';
import { loadTopology } from './load-topology.ts';
import { runTopology } from './run.ts';
import { exportRegistrySettings } from './registry-env.ts';

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/**
 * `sluice dev`: starts the local broker (docker/local-kafka/kafka.sh) when no brokers are configured, creates
 * the topology's source and sink topics (4 partitions) if missing, and runs it with human-readable logs.
 */
export async function devTopology(file: string, flags: ConfigInput): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env };
  if ((flags.brokers ?? env.SLUICE_BROKERS ?? env.KAFKA_BROKERS ?? '') === '') {
    console.error('sluice dev: no KAFKA_BROKERS set; starting the local broker (docker/local-kafka/kafka.sh)…');
    const status = await run('bash', [join(root, 'docker/local-kafka/kafka.sh'), 'status']);
    const running = /^(127\.0\.0\.1:\d+)/m.exec(status.stdout)?.[1];
    env.KAFKA_BROKERS = running ?? (await run('bash', [join(root, 'docker/local-kafka/kafka.sh'), 'start'])).stdout.trim().split('\n').pop();
  }
  const config = loadConfig(flags, env, { logFormat: 'pretty' });
  exportRegistrySettings(config);
  const topology = await loadTopology(file);
  const p = plan(topology);
  const logger = createLogger({ level: config.logLevel as 'info', format: config.logFormat, name: 'sluice' });
  const admin = createKafkajsClient({ brokers: config.brokers, clientId: 'sluice-dev' }).admin();
  await admin.connect();
  const existing = await admin.describeTopics([...p.sourceTopics, ...p.sinkTopics]);
  const missing = [...p.sourceTopics, ...p.sinkTopics].filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics(missing.map((name) => ({ name, partitions: 4 })));
    logger.info({ topics: missing }, 'created topics for dev');
  }
  await admin.disconnect();
  logger.info({ brokers: config.brokers }, `running ${file}; produce test data with: npx tsx topologies/generate-clicks.ts (KAFKA_BROKERS=${config.brokers.join(',')})`);
  return runTopology(topology, config, logger);
}
