/** Starts and stops brokers with docker/local-kafka/kafka.sh, for the global setup and tests needing a second broker. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const brokerScript = 'docker/local-kafka/kafka.sh';

export interface LocalBroker {
  readonly brokers: string;
  /** The version the broker reported in its own log ("Kafka version: x.y.z"). */
  readonly version: string;
  readonly logFile: string;
}

/** A free TCP port on loopback, preferring `preferred`. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : port;
        server.close(() => resolve(bound));
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}

export async function startLocalBroker(port: number): Promise<LocalBroker> {
  const { stdout } = await run('bash', [join(root, brokerScript), 'start', '--port', String(port)], {
    cwd: root,
    maxBuffer: 1 << 20,
  }).catch((error: unknown) => {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`could not start the local Kafka broker on port ${port}: ${stderr.trim() || String(error)}`);
  });
  const brokers = stdout.trim().split('\n').pop() ?? '';
  const logFile = join(process.env.SLUICE_KAFKA_CACHE ?? join(root, '.cache', 'kafka'), 'run', String(port), 'broker.log');
  const log = await readFile(logFile, 'utf8');
  const version = /Kafka version: (\S+)/.exec(log)?.[1] ?? 'unknown';
  return { brokers, version, logFile };
}

export async function stopLocalBroker(port: number): Promise<void> {
  await run('bash', [join(root, brokerScript), 'stop', '--port', String(port)], { cwd: root });
}
