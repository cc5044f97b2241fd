/**
 * The engines the comparison bench runs on the same input: sluice (one or more instances of one application),
 * the JVM peer (bench/peers/kafka-streams) and the Python peer (bench/peers/quix). Each run is one consumer
 * group; the bench times it by the group's committed offsets and reads the engine's commit counter.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, spawnChild, stopChild, type Child } from './processes.ts';
import { metricSum } from './metric-sum.ts';

export { metricSum };

const run = promisify(execFile);

export type EngineId = 'sluice' | 'sluice-x2' | 'sluice-pi' | 'kafka-streams' | 'quix';
export type TopologyId = 'passthrough' | 'rekey' | 'table-count' | 'windowed-count';

export const ENGINE_LABELS: Record<EngineId, string> = {
  sluice: 'sluice',
  'sluice-x2': 'sluice ×2',
  'sluice-pi': 'sluice, one transaction per instance',
  'kafka-streams': 'Kafka Streams',
  quix: 'Quix Streams',
};

export interface EngineRun {
  readonly children: readonly Child[];
  /** Transactions committed so far (sum over instances), or undefined when the engine does not tell. */
  commits(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export interface RunSpec {
  readonly name: string;
  readonly topology: TopologyId;
  readonly brokers: string;
  readonly appId: string;
  readonly input: string;
  readonly output: string;
  readonly late: string;
}

/** A port free right now (the OS picks it), for a sluice instance's HTTP server. */
export function httpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}


/** sluice's committed Kafka transactions (sluice_transactions_committed_total) on one instance. */
export async function sluiceCommits(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return metricSum(await response.text(), 'sluice_transactions_committed_total');
  } catch {
    return undefined;
  }
}

export function sluiceArgs(topologyFile: string, brokers: string, appId: string, extra: readonly string[] = []): string[] {
  return [
    join(ROOT, 'bin', 'sluice.js'),
    'run',
    join(ROOT, 'bench', 'topologies', topologyFile),
    '--brokers',
    brokers,
    '--application-id',
    appId,
    '--processing-guarantee',
    'exactly_once',
    '--log-format',
    'json',
    '--log-level',
    'info',
    ...extra,
  ];
}

let jvmJar: Promise<string> | undefined;
let python: Promise<string> | undefined;

/** Builds (once per change) and returns the JVM peer's jar. */
export function peerJar(): Promise<string> {
  jvmJar ??= run('bash', [join(ROOT, 'bench', 'peers', 'kafka-streams', 'build.sh')], { timeout: 600_000 }).then(({ stdout }) => stdout.trim().split('\n').pop() as string);
  return jvmJar;
}

/** Installs (once per change) the Python peer's venv and returns its python. */
export function peerPython(): Promise<string> {
  python ??= run('bash', [join(ROOT, 'bench', 'peers', 'quix', 'setup.sh')], { timeout: 600_000 }).then(({ stdout }) => stdout.trim().split('\n').pop() as string);
  return python;
}

const SLUICE_FILES: Record<TopologyId, string> = {
  passthrough: 'passthrough.ts',
  rekey: 'rekey.ts',
  'table-count': 'table-count.ts',
  'windowed-count': 'windowed-count.ts',
};

export async function startEngine(engine: EngineId, spec: RunSpec): Promise<EngineRun> {
  const env = { BENCH_INPUT: spec.input, BENCH_OUTPUT: spec.output, BENCH_LATE: spec.late, BENCH_BROKERS: spec.brokers, BENCH_APP_ID: spec.appId };
  if (engine === 'sluice' || engine === 'sluice-x2' || engine === 'sluice-pi') {
    const n = engine === 'sluice-x2' ? 2 : 1;
    const extra = engine === 'sluice-pi' ? ['--eos-producer', 'per-instance'] : [];
    const ports: number[] = [];
    const children: Child[] = [];
    for (let i = 0; i < n; i++) {
      const port = await httpPort();
      ports.push(port);
      children.push(spawnChild(n === 1 ? spec.name : `${spec.name}-${i + 1}`, sluiceArgs(SLUICE_FILES[spec.topology], spec.brokers, spec.appId, ['--http-port', String(port), ...extra]), { env }));
    }
    return {
      children,
      async commits() {
        const counts = await Promise.all(ports.map((p) => sluiceCommits(p)));
        return counts.some((c) => c === undefined) ? undefined : counts.reduce((s: number, c) => s + (c as number), 0);
      },
      async stop() {
        await Promise.all(children.map((c) => stopChild(c)));
      },
    };
  }
  if (engine === 'kafka-streams') {
    const jar = await peerJar();
    const child = spawnChild(spec.name, ['-jar', jar, spec.topology], { command: 'java', env });
    return {
      children: [child],
      async commits() {
        const line = child.logs.filter((l) => l.msg === 'metrics').pop();
        return line === undefined ? undefined : Number(line.commits);
      },
      async stop() {
        await stopChild(child);
      },
    };
  }
  if (spec.topology !== 'passthrough' && spec.topology !== 'windowed-count') throw new Error(`the Python peer has no ${spec.topology} topology`);
  const py = await peerPython();
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-quix-'));
  const child = spawnChild(spec.name, [join(ROOT, 'bench', 'peers', 'quix', 'peer.py'), spec.topology], { command: py, env: { ...env, BENCH_STATE_DIR: stateDir } });
  return {
    children: [child],
    commits: async () => undefined,
    async stop() {
      await stopChild(child);
    },
  };
}
