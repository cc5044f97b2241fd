/**
 * Child processes of the bench (sluice instances, the ceiling loop) with cleanup that runs on every exit path:
 * normal end, error, SIGINT/SIGTERM. Also CPU accounting per process from /proc (Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code or signal name. */
  readonly exited: Promise<number | string>;
  /** Parsed JSON log lines seen so far (pino output), in order. */
  readonly logs: Record<string, unknown>[];
  hasExited(): boolean;
  /** Resolves with the first log line (already seen or future) that matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
}

type CleanupStep = () => Promise<void> | void;

const children = new Set<Child>();
const cleanups: CleanupStep[] = [];
let cleaning: Promise<void> | undefined;

/** Registers a step run (last registered first) by `cleanup()`: stopping the broker, deleting topics. */
export function onCleanup(step: CleanupStep): void {
  cleanups.push(step);
}

/** Kills every child still running, then runs the cleanup steps. Idempotent. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) {
      if (!child.hasExited()) child.process.kill('SIGKILL');
    }
    await Promise.all([...children].map((c) => Promise.race([c.exited, sleep(5_000)])));
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`bench: cleanup step failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

let signalled = false;
/** True once SIGINT/SIGTERM started the cleanup (errors after that are its consequence). */
export const interrupted = () => signalled;
export function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      console.error(`bench: second ${signal}, exiting without cleanup`);
      process.exit(130);
    }
    signalled = true;
    console.error(`bench: ${signal}: stopping children and the broker`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Starts `node [nodeFlags] args` (or `command args` when `command` is given), its output teed to
 * bench/results/logs/<name>.log and its JSON lines parsed.
 */
export function spawnChild(
  name: string,
  args: readonly string[],
  options: { env?: Record<string, string>; nodeFlags?: readonly string[]; command?: string } = {},
): Child {
  const logDir = process.env.BENCH_LOG_DIR ?? join(RESULTS_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(options.command ?? process.execPath, options.command === undefined ? [...(options.nodeFlags ?? []), ...args] : [...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  let exited = false;
  const logs: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const waiter = waiters[i] as (typeof waiters)[number];
        if (waiter.match(line)) {
          waiters.splice(i, 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exitedPromise = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      log.end();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const handle: Child = {
    name,
    process: child,
    pid: child.pid,
    logFile,
    exited: exitedPromise,
    logs,
    hasExited: () => exited,
    waitForLog: (match, timeoutMs) => {
      const seen = logs.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no matching log line within ${timeoutMs} ms (see ${logFile})`)), timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exitedPromise.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before the expected log line (see ${logFile})`));
        });
      });
    },
  };
  children.add(handle);
  void exitedPromise.then(() => children.delete(handle));
  return handle;
}

/** SIGTERM (graceful), then SIGKILL after `graceMs`. Resolves with the exit code or signal. */
export async function stopChild(child: Child, graceMs = 30_000): Promise<number | string> {
  if (child.hasExited()) return child.exited;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!child.hasExited()) {
      console.error(`bench: ${child.name} did not stop within ${graceMs} ms; killing it`);
      child.process.kill('SIGKILL');
    }
  }, graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/** Fails fast when a child dies while the bench waits on it. */
export function failOnExit(child: Child): Promise<never> {
  return child.exited.then((code) => {
    throw new Error(`${child.name} exited unexpectedly (${code}); see ${child.logFile}`);
  });
}

const CLOCK_TICKS = 100;

/** User + system CPU seconds of a process so far (Linux /proc), or undefined when unavailable. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a bench entry point: signal handlers, kafkajs's harmless negative-timeout warning kept out of the output,
 * `main`, then the cleanup whatever happened, and the exit code (1 when `main` failed).
 */
export async function runBench(main: () => Promise<void>): Promise<never> {
  installSignalHandlers();
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
  let exitCode = 0;
  try {
    await main();
  } catch (error) {
    exitCode = 1;
    if (!interrupted()) console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await cleanup();
  }
  process.exit(exitCode);
}
