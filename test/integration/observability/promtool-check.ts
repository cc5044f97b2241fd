import { spawn } from 'node:child_process';

/** The promtool binary: $PROMTOOL, else `promtool` on PATH (Debian: `apt-get install prometheus`, /usr/bin/promtool). */
export const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';

/**
 * promtool findings that come from prom-client's default Node.js metrics, not from sluice: prom-client exports
 * the gauges nodejs_active_handles_total, nodejs_active_requests_total and nodejs_active_resources_total, and
 * promtool objects to the `_total` suffix on a non-counter. Pass as `ignore` to check only sluice's own metrics.
 */
export const PROM_CLIENT_DEFAULT_PROBLEMS: RegExp = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

/**
 * Lints a Prometheus text exposition with `promtool check metrics` (read from stdin) and returns its
 * problems, one string per problem: lint findings such as `foo counter metrics should have "_total" suffix`
 * (exit 3) or a parse error such as `error while linting: text format parsing error in line 5: ...` (exit 1).
 * An empty array means promtool accepted the text (or found only problems matching `ignore`). Throws if
 * promtool cannot be run at all.
 */
export function checkMetricsWithPromtool(text: string, options: { timeoutMs?: number; ignore?: RegExp } = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const ignore = options.ignore;
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new Error(`promtool not found (looked for "${PROMTOOL}"; install the Debian package "prometheus" or set PROMTOOL)`, { cause: err })
          : err,
      );
    });
    // promtool may exit before reading everything (parse error): ignore EPIPE, the exit code tells.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      const lines = [Buffer.concat(stdout).toString('utf8'), Buffer.concat(stderr).toString('utf8')]
        .join('\n')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && (ignore === undefined || !ignore.test(line)));
      if (code === 0) {
        resolve([]);
        return;
      }
      if (code === 1 || code === 3) {
        resolve(lines.length > 0 || ignore !== undefined ? lines : [`promtool exited with code ${code} and no message`]);
        return;
      }
      reject(new Error(`promtool check metrics failed (code ${String(code)}, signal ${String(signal)}): ${lines.join('; ')}`));
    });
    child.stdin.end(text);
  });
}
