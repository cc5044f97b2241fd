/** Helpers for the observability tests: raw HTTP requests to a sluice instance and a real Prometheus server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafka } from '../support/kafka.ts';
import { sleep, waitFor } from '../support/sluice-process.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * GET `path` on 127.0.0.1:`port`, sending the path byte for byte (no URL normalisation, so malformed
 * percent-encodings reach the server as written). Rejects on connection errors and after `timeoutMs`.
 */
export function httpGet(port: number, path: string, timeoutMs = 5_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path.slice(0, 80)} on port ${port}: no answer in ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

/** Waits until 127.0.0.1:`port` answers `path` with any HTTP status. */
export async function waitForHttp(port: number, path = '/healthz', timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `HTTP on port ${port}`,
    async () => {
      try {
        await httpGet(port, path, 1_000);
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    50,
  );
}

/** Input records the consumer group `groupId` has committed on `topic`, summed over partitions. */
export async function committedOffsets(groupId: string, topic: string): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Sends SIGTERM, waits up to `graceMs` for the exit, then SIGKILL. Safe to call on an exited child. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The Prometheus server binary: $PROMETHEUS, else Debian's /usr/bin/prometheus. */
export const PROMETHEUS = process.env['PROMETHEUS'] ?? '/usr/bin/prometheus';

export interface PrometheusServer {
  readonly url: string;
  /** Prometheus' own output so far (for failure messages). */
  output(): string;
  /** Runs an instant query and returns the result vector. Throws on a non-success answer. */
  query(promql: string): Promise<PromSample[]>;
  stop(): Promise<void>;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/**
 * Starts a real Prometheus that scrapes `targets` (host:port, path /metrics) every `scrapeIntervalS`, with its
 * TSDB in a fresh temporary directory, listening on 127.0.0.1:`port`. Resolves once /-/ready answers 200.
 */
export async function startPrometheus(options: { targets: readonly string[]; port: number; scrapeIntervalS?: number; jobName?: string }): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(`Prometheus server not found at ${PROMETHEUS}: install it with \`apt-get install prometheus\` (Debian package, brings prometheus and promtool) or set PROMETHEUS`);
  }
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const dir = await mkdtemp(join(tmpdir(), 'sluice-prometheus-'));
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    '  evaluation_interval: 15s',
    'scrape_configs:',
    `  - job_name: ${options.jobName ?? 'sluice'}`,
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, config);
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  const collect = (chunk: Buffer): void => {
    if (text.length < 200_000) text += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${options.port}`;

  const stop = async (): Promise<void> => {
    await stopChild(child, exited, 10_000);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      `Prometheus ready on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`Prometheus exited with code ${child.exitCode}: ${text}`);
        try {
          return (await fetch(`${url}/-/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const query = async (promql: string): Promise<PromSample[]> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (response.status !== 200 || body.status !== 'success' || body.data === undefined) {
      throw new Error(`Prometheus query ${promql} failed (${response.status}): ${body.error ?? JSON.stringify(body)}`);
    }
    if (body.data.resultType !== 'vector') throw new Error(`Prometheus query ${promql}: expected a vector, got ${body.data.resultType}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };

  return { url, output: () => text, query, stop };
}

/** Polls `probe` until it returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError !== undefined ? ` (last error: ${String(lastError)})` : ''}`);
}
