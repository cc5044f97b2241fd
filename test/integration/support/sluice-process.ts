/** Runs `sluice run` as a child process, the way users run it, so tests can SIGKILL it mid-stream. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

export interface SluiceProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

export function startSluice(topologyFile: string, args: { applicationId: string; env?: Record<string, string>; flags?: string[]; name?: string; httpPort?: number }): SluiceProcess {
  const dir = join(root, 'test-output', 'logs');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${args.applicationId}-${args.name ?? 'instance'}-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'sluice.js'), 'run', topologyFile, '--application-id', args.applicationId, '--http-port', args.httpPort === undefined ? 'off' : String(args.httpPort), '--log-level', process.env.SLUICE_TEST_LOG_LEVEL ?? 'info', ...(args.flags ?? [])],
    { cwd: root, env: { ...process.env, ...args.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    if (text.length < 2_000_000) text += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, logFile, exited, output: () => text, kill: (signal) => child.kill(signal) };
}

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it gives a value, or `timeoutMs` passed (then undefined). */
export async function waitForValue<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
