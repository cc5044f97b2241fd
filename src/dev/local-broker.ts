import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SluiceError } from '../errors/index.ts';

const run = promisify(execFile);

/** The package's root (src/dev/ in the repository, dist/dev/ in the installed package). */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** docker/local-kafka/kafka.sh, shipped in the npm package. */
export const KAFKA_SCRIPT = join(packageRoot, 'docker', 'local-kafka', 'kafka.sh');

export interface LocalBroker {
  /** Bootstrap address, 127.0.0.1:<port>. */
  readonly brokers: string;
  readonly port: number;
  /** True when this process started it (and so stops it); false when one was already running on the port. */
  readonly startedHere: boolean;
  /** Stops the broker if this process started it (`kafka.sh stop --port <port>`); idempotent. */
  stop(): Promise<void>;
  /** The same, synchronously, for process exit paths. */
  stopSync(): void;
}

/** Ports of the brokers kafka.sh reports running. */
export async function runningBrokerPorts(): Promise<number[]> {
  const { stdout } = await run('bash', [KAFKA_SCRIPT, 'status']);
  return [...stdout.matchAll(/^127\.0\.0\.1:(\d+) /gm)].map((m) => Number(m[1]));
}

/**
 * Uses the broker kafka.sh runs on `port`, or starts one there. The broker runs in its own process group, so
 * the Ctrl-C that stops sluice does not kill the broker under it before sluice has committed and left the group;
 * sluice stops it afterwards. `onProgress` gets kafka.sh's progress lines (jar download, readiness).
 */
export async function ensureLocalBroker(options: { port: number; onProgress?: (line: string) => void }): Promise<LocalBroker> {
  const { port } = options;
  if (!existsSync(KAFKA_SCRIPT)) throw new SluiceError('SLUICE_LOCAL_BROKER', `the local broker script is missing (${KAFKA_SCRIPT}); set KAFKA_BROKERS to use a running cluster`);
  if ((await runningBrokerPorts().catch((): number[] => [])).includes(port)) {
    return { brokers: `127.0.0.1:${port}`, port, startedHere: false, stop: async () => {}, stopSync: () => {} };
  }
  const child = spawn('bash', [KAFKA_SCRIPT, 'start', '--port', String(port)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') options.onProgress?.(line.trim());
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) {
    const reason = (stderr.trim().split('\n').pop() ?? `exit code ${code}`).replace('with --port', 'with --kafka-port');
    throw new SluiceError('SLUICE_LOCAL_BROKER', `could not start the local Kafka broker on port ${port}: ${reason} (or set KAFKA_BROKERS to use a running cluster)`);
  }
  const brokers = stdout.trim().split('\n').pop() ?? `127.0.0.1:${port}`;
  let stopped = false;
  const args = [KAFKA_SCRIPT, 'stop', '--port', String(port)];
  return {
    brokers,
    port,
    startedHere: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run('bash', args).catch(() => undefined);
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      spawnSync('bash', args, { stdio: 'ignore' });
    },
  };
}
