import type { SluiceConfig } from '../config/config.ts';
import type { Topology } from '../dsl/define-topology.ts';
import { TopologyError } from '../errors/index.ts';
import { classifyConnectionFailure, createKafkajsClient, type KafkaConnection } from '../kafka/index.ts';
import { plan } from '../planner/plan.ts';

/** The connection `sluice run` opens, from the validated config. */
export function connectionOf(config: SluiceConfig, clientId: string): KafkaConnection {
  return {
    brokers: config.brokers,
    clientId,
    ...(config.ssl ? { ssl: config.sslCa !== undefined ? { ca: config.sslCa } : true } : {}),
    ...(config.sasl !== undefined ? { sasl: config.sasl } : {}),
  };
}

/**
 * What `sluice run` checks before it starts anything (no HTTP server, no group, no topic created): the brokers
 * answer and accept the credentials and certificate, and the topology's source and output topics exist. Each
 * failure is one error naming what to fix; the Kafka client's own retry log stays silent here.
 */
export async function checkStartup(file: string, topology: Topology, config: SluiceConfig): Promise<void> {
  const p = plan(topology);
  const connection = connectionOf(config, `sluice-${config.instanceId}-preflight`);
  const admin = createKafkajsClient(connection).admin();
  try {
    await admin.connect();
  } catch (error) {
    throw classifyConnectionFailure(error, connection) ?? error;
  }
  try {
    const topics = [...p.sourceTopics, ...p.sinkTopics];
    const existing = await admin.describeTopics(topics).catch((error: unknown) => {
      throw classifyConnectionFailure(error, connection) ?? error;
    });
    for (const [kind, names] of [['source', p.sourceTopics], ['output', p.sinkTopics]] as const) {
      const missing = [...names].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        throw new TopologyError(
          `${file}: ${kind} topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist at ${config.brokers.join(',')} (expected ${missing.length > 1 ? 'them' : 'it'} to be created first, or check the name in the topology)`,
          { context: { file, topic: missing[0] as string } },
        );
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
