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

/** How long `sluice run` waits for brokers that do not answer before it gives up. */
export const BROKER_WAIT_MS = 120_000;

export interface PreflightOptions {
  /** Default BROKER_WAIT_MS. */
  readonly waitForBrokersMs?: number;
  /** Told each time unreachable brokers are retried. */
  readonly onRetry?: (message: string) => void;
}

/**
 * What `sluice run` checks before it starts anything (no HTTP server, no group, no topic created): the brokers
 * answer and accept the credentials and certificate, and the topology's source and output topics exist. Each
 * failure is one error naming what to fix; the Kafka client's own retry log stays silent here.
 */
export async function checkStartup(file: string, topology: Topology, config: SluiceConfig, options: PreflightOptions = {}): Promise<void> {
  const p = plan(topology);
  const connection = connectionOf(config, `sluice-${config.instanceId}-preflight`);
  const admin = createKafkajsClient(connection).admin();
  const waitMs = options.waitForBrokersMs ?? BROKER_WAIT_MS;
  const deadline = Date.now() + waitMs;
  // Brokers that do not answer yet (a broker restarting as this instance starts, a cluster coming up) are
  // waited for, with backoff; wrong credentials, certificates or protocols fail at once.
  const existing = await (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.connect();
        return await admin.describeTopics([...p.sourceTopics, ...p.sinkTopics]);
      } catch (error) {
        const classified = classifyConnectionFailure(error, connection);
        if (classified?.failure !== 'unreachable' || Date.now() >= deadline) {
          await admin.disconnect().catch(() => undefined);
          throw classified ?? error;
        }
        const delayMs = Math.min(10_000, 500 * 2 ** (attempt - 1));
        options.onRetry?.(`${classified.message}; retrying in ${delayMs} ms (attempt ${attempt}, waiting up to ${Math.round(waitMs / 1000)} s)`);
        await admin.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  })();
  try {
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
