/**
 * Starts and stops the local schema registry (docker/local-registry/registry.sh: Apicurio Registry, in-memory
 * storage) for integration tests. SCHEMA_REGISTRY_URL, when set, points the tests at a running
 * Confluent-compatible registry instead, which is then neither started nor stopped.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './local-broker.ts';

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const registryScript = 'docker/local-registry/registry.sh';

export interface LocalRegistry {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:18081/apis/ccompat/v7. */
  readonly url: string;
  /** The registry's own log (its access log lists every request), or undefined for an external registry. */
  readonly logFile: string | undefined;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Keep schemas in this Kafka cluster (Apicurio KafkaSQL storage) instead of in memory. */
  readonly kafkaBrokers?: string;
  /** Time allowed for the first start, which resolves the registry with Maven; default 240 s. */
  readonly timeoutMs?: number;
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<LocalRegistry> {
  const external = process.env.SCHEMA_REGISTRY_URL;
  if (external !== undefined && external.trim() !== '') {
    return { url: external.trim().replace(/\/+$/, ''), logFile: undefined, stop: async () => {} };
  }
  const port = await freePort(18081);
  const args = [join(root, registryScript), 'start', '--port', String(port)];
  if (options.kafkaBrokers !== undefined) args.push('--kafka', options.kafkaBrokers);
  const { stdout } = await run('bash', args, { cwd: root, maxBuffer: 1 << 20, timeout: options.timeoutMs ?? 240_000 }).catch(
    (error: unknown) => {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`could not start the local schema registry on port ${port}: ${stderr.trim() || String(error)}`);
    },
  );
  const url = stdout.trim().split('\n').pop() ?? '';
  return {
    url,
    logFile: join(root, '.cache', 'registry', 'run', String(port), 'registry.log'),
    stop: async () => {
      await run('bash', [join(root, registryScript), 'stop', '--port', String(port)], { cwd: root });
    },
  };
}
