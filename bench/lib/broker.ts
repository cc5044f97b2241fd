/** The bench's broker: KAFKA_BROKERS when set, else a fresh local broker via kafka.sh (on BENCH_BROKER_PORT or a free port). */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, onCleanup } from './processes.ts';

const run = promisify(execFile);
const KAFKA_SH = join(ROOT, 'docker', 'local-kafka', 'kafka.sh');

export interface Broker {
  readonly brokers: string;
  /** The broker's JVM pid when the bench started it (for CPU accounting). */
  readonly pid: number | undefined;
  readonly started: boolean;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portFree(port)) && (await portFree(port + 1000))) return port;
  }
  throw new Error('no free port found for the broker');
}

export async function startBroker(external: string | undefined): Promise<Broker> {
  if (external !== undefined) {
    return { brokers: external, pid: undefined, started: false, stop: async () => {} };
  }
  // BENCH_BROKER_PORT: a port of the caller's choice (on a shared machine), else a random free one.
  const chosen = process.env.BENCH_BROKER_PORT;
  const port = chosen !== undefined && chosen !== '' ? Number(chosen) : await freePort();
  if (!Number.isInteger(port) || port <= 0) throw new Error(`BENCH_BROKER_PORT is "${chosen}" (expected a port number)`);
  const cache = process.env.SLUICE_KAFKA_CACHE ?? join(ROOT, '.cache', 'kafka');
  const runDir = join(cache, 'run', String(port));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await run('bash', [KAFKA_SH, 'stop', '--port', String(port)]);
      // The broker's data (hundreds of MB after a full run) is of no use once it stopped; BENCH_KEEP_BROKER_DATA keeps it.
      if (process.env.BENCH_KEEP_BROKER_DATA === undefined) rmSync(runDir, { recursive: true, force: true });
    } catch (error) {
      console.error(`bench: stopping the broker on port ${port} failed: ${(error as Error).message}`);
    }
  };
  // Registered before starting, so an interrupted start is cleaned up too (stop is a no-op without a pid file).
  onCleanup(stop);
  process.stderr.write(`bench: starting a Kafka broker on 127.0.0.1:${port} ...\n`);
  // Kafka's default initial rebalance delay (the script's is 0): the instances of a multi-instance run, started
  // together, join one first rebalance; with 0 the first one alone was assigned every partition and had processed
  // most of the input by the time the second joined (the run then measures nothing).
  const { stdout } = await run('bash', [KAFKA_SH, 'start', '--port', String(port), '--set', 'group.initial.rebalance.delay.ms=3000'], { timeout: 180_000 });
  const address = stdout.trim().split('\n').pop() ?? `127.0.0.1:${port}`;
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(join(runDir, 'pid'), 'utf8').trim());
  } catch {
    pid = undefined;
  }
  return { brokers: address, pid, started: true, stop };
}
