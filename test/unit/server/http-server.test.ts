import { readdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.ts';
import { Metrics } from '../../../src/metrics/metrics.ts';
import type { TopologyDescription } from '../../../src/planner/description.ts';
import type { ApplicationStatus, CommittedOutputListener, StatusSource, TaskStatus } from '../../../src/runtime/status.ts';
import { PUBLIC_DIR } from '../../../src/server/app.ts';
import { startHttpServer, type HttpServer } from '../../../src/server/http-server.ts';

// A plain-object StatusSource: the server only reads it, so a fake says nothing about Kafka.
const topology: TopologyDescription = {
  applicationId: 'orders-app',
  subtopologies: [
    {
      id: 0, sourceTopics: ['orders'], sinkTopics: ['totals'], partitions: 2, stores: ['totals-store'],
      storeChangelogs: [{ name: 'totals-store', kind: 'key-value', operator: 'totals', changelogTopic: 'orders-app-totals-store-changelog', changelogIsSource: false }],
      tables: [],
      operators: [
        { name: 'orders-source', kind: 'source', children: ['sum'] },
        { name: 'sum', kind: 'aggregate', children: ['totals-sink'] },
        { name: 'totals-sink', kind: 'sink', children: [] },
      ],
      edges: [
        { direction: 'read', topic: 'orders', operator: 'orders-source' },
        { direction: 'write', topic: 'orders-app-totals-store-changelog', operator: 'sum' },
        { direction: 'write', topic: 'totals', operator: 'totals-sink' },
      ],
    },
  ],
  topics: [
    { name: 'orders', role: 'source', partitions: null, internal: false, config: {} },
    { name: 'totals', role: 'sink', partitions: null, internal: false, config: {} },
    { name: 'orders-app-totals-store-changelog', role: 'changelog', partitions: 2, internal: true, config: { 'cleanup.policy': 'compact' } },
  ],
  transactionalIds: ['orders-app-0_0', 'orders-app-0_1'],
};

function task(id: string, partition: number, state: TaskStatus['state'], restoreProgress: number): TaskStatus {
  return {
    id, subtopology: 0, partition, state, restoreProgress, watermarkMs: 1_700_000_000_000, consumerLag: 5, recordsInPerSec: 10,
    recordsOutPerSec: 9, lateRecords: 0, droppedRecords: 0, lastCommitDurationMs: 12, stores: [{ name: 'totals-store', entries: 3 }],
  };
}

class FakeSource implements StatusSource {
  current: ApplicationStatus = {
    applicationId: 'orders-app', instanceId: 'orders-app-1', state: 'rebalancing', inGroup: false, ready: false, startedAtMs: 1_000, tasks: [],
  };
  failWith: Error | undefined;
  status(): ApplicationStatus {
    if (this.failWith !== undefined) throw this.failWith;
    return this.current;
  }
  topology(): TopologyDescription {
    return topology;
  }
  readonly outputListeners = new Set<CommittedOutputListener>();
  onCommittedOutput(listener: CommittedOutputListener): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }
}

/** Sends raw bytes and returns the raw response: for requests fetch() would refuse or normalise. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (err) => (chunks.length > 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(err)));
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw request timed out')));
    socket.write(request);
  });
}

function statusLine(raw: string): string {
  return raw.split('\r\n')[0] ?? '';
}

describe('startHttpServer', () => {
  const source = new FakeSource();
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  let metrics: Metrics;
  let server: HttpServer;
  let base: string;

  beforeAll(async () => {
    metrics = new Metrics({ applicationId: 'orders-app', version: '1.2.3' });
    server = await startHttpServer({ port: 0, host: '127.0.0.1', source, metrics, logger, maxEventLoopLagMs: 150 });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    source.failWith = undefined;
  });

  it('binds an ephemeral port and logs it', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(logLines.some((l) => l.includes('HTTP server listening') && l.includes(`"port":${server.port}`))).toBe(true);
  });

  describe('GET /metrics', () => {
    it('serves the registry as Prometheus text with prom-client\'s content type', async () => {
      metrics.recordsConsumed.inc({ topic: 'orders' }, 3);
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
      expect(res.headers.get('cache-control')).toContain('no-store');
      const text = await res.text();
      expect(text).toMatch(/^sluice_build_info\{version="1\.2\.3",node_version="[^"]+",application="orders-app"\} 1$/m);
      expect(text).toMatch(/^sluice_records_consumed_total\{topic="orders"\} 3$/m);
      expect(parsePrometheusText(text)).toEqual([]);
    });
  });

  describe('GET /healthz', () => {
    it('is 200 while the event loop is responsive', async () => {
      // A loaded machine (or the previous test's work) can lag the loop past the 150 ms limit for a moment:
      // ask until the loop has been responsive, as a probe would.
      let body: unknown;
      const status = async () => {
        const res = await fetch(`${base}/healthz`);
        body = await res.json();
        return res.status;
      };
      await expect.poll(status, { timeout: 10_000, interval: 50 }).toBe(200);
      expect(body).toMatchObject({ status: 'ok', eventLoopLagMs: expect.any(Number) });
    });

    it('is 503 when the event loop was blocked longer than the limit, then recovers', async () => {
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // Block the loop.
      }
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unhealthy', reason: expect.stringMatching(/^event loop blocked for \d\.\d s \(limit 0\.\d s\)$/), eventLoopLagMs: expect.any(Number) });
      await expect.poll(async () => (await fetch(`${base}/healthz`)).status, { timeout: 10_000, interval: 50 }).toBe(200);
    });
  });

  describe('GET /readyz', () => {
    it('is 503 with the reasons until the source is ready, then 200', async () => {
      source.current = { ...source.current, state: 'rebalancing', inGroup: false, ready: false, tasks: [] };
      let res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'not_ready', inGroup: false, reasons: ['not in consumer group orders-app (state rebalancing)'] });

      source.current = { ...source.current, state: 'running', inGroup: true, tasks: [task('0_0', 0, 'running', 1), task('0_1', 1, 'restoring', 0.25)] };
      res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'not_ready',
        inGroup: true,
        reasons: ['task 0_1 is restoring its state (25%)'],
        restoring: [{ task: '0_1', progress: 0.25 }],
      });

      source.current = { ...source.current, ready: true, tasks: [task('0_0', 0, 'running', 1), task('0_1', 1, 'running', 1)] };
      res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('no-store');
      expect(await res.json()).toMatchObject({ status: 'ready', reasons: [], tasks: 2 });
    });

    it('is 500 JSON when the source throws, and logs the error', async () => {
      source.failWith = new Error('status exploded');
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal_error', message: 'the request failed; see the server log' });
      expect(logLines.some((l) => l.includes('"level":"error"') && l.includes('status exploded'))).toBe(true);
    });
  });

  it('GET /topology returns the topology description', async () => {
    const res = await fetch(`${base}/topology`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(topology);
  });

  it('GET /api/status returns the application status with the server time', async () => {
    const before = Date.now();
    const res = await fetch(`${base}/api/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = (await res.json()) as ApplicationStatus & { serverTimeMs: number };
    expect(body).toMatchObject({ ...source.current, tasks: source.current.tasks.map((t) => ({ ...t })) });
    expect(body.serverTimeMs).toBeGreaterThanOrEqual(before);
    expect(body.serverTimeMs).toBeLessThanOrEqual(Date.now());
  });

  it('GET /output returns the last records committed to each output topic', async () => {
    const empty = await fetch(`${base}/output`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('cache-control')).toContain('no-store');
    expect(await empty.json()).toEqual({ sampling: true, recordsPerTopic: 5, topics: [{ topic: 'totals', role: 'sink', committed: 0, records: [] }] });
    expect(source.outputListeners.size).toBe(1);
    for (const listener of source.outputListeners) {
      listener([{ topic: 'totals', key: Buffer.from('alice'), value: Buffer.from('{"sum":3}'), timestampMs: 1_700_000_000_000 }]);
    }
    const body = (await (await fetch(`${base}/output`)).json()) as { topics: { committed: number; records: { key: { text: string }; value: { text: string }; timestampMs: number }[] }[] };
    expect(body.topics[0]?.committed).toBe(1);
    expect(body.topics[0]?.records.map((r) => [r.key.text, r.value.text, r.timestampMs])).toEqual([['alice', '{"sum":3}', 1_700_000_000_000]]);
  });

  it('HEAD is answered like GET without a body', async () => {
    const res = await fetch(`${base}/api/status`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  describe('dashboard', () => {
    it('serves index.html at / with a strict content security policy', async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      // Scripts only from this origin: no inline script, no eval.
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      const html = await res.text();
      expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="js/main.js">']);
      expect(html).toContain('<link rel="stylesheet" href="dashboard.css">');
      // Offline: no external scripts, styles or fonts.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    });

    it('serves every dashboard module, and every module it imports, as JavaScript', async () => {
      const files = (await readdir(path.join(PUBLIC_DIR, 'js'))).filter((f) => f.endsWith('.js'));
      expect(files).toContain('main.js');
      const imported = new Set<string>();
      for (const file of files) {
        const res = await fetch(`${base}/js/${file}`);
        expect(res.status, file).toBe(200);
        // Module scripts are refused unless served with a JavaScript MIME type (nosniff is on).
        expect(res.headers.get('content-type'), file).toMatch(/^(text|application)\/javascript/);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        for (const match of (await res.text()).matchAll(/^import [^'"]*'(\.\/[^']+)';$/gm)) imported.add((match[1] as string).slice(2));
      }
      expect([...imported].filter((f) => !files.includes(f))).toEqual([]);
      const css = await fetch(`${base}/dashboard.css`);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    });

    it('does not serve files outside the public folder', async () => {
      for (const target of ['/../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
        const raw = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(statusLine(raw), target).toMatch(/^HTTP\/1\.1 (400|403|404) /);
        expect(raw, target).not.toContain('"name": "sluice"');
      }
    });
  });

  describe('errors', () => {
    it('answers unknown paths with 404 JSON', async () => {
      const res = await fetch(`${base}/nope?x=1`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not_found', message: 'no route for GET /nope' });
    });

    it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with 405 and Allow', async (method) => {
      const res = await fetch(`${base}/metrics`, { method, ...(method === 'POST' || method === 'PUT' ? { body: '{}' } : {}) });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await res.json()).toMatchObject({ error: 'method_not_allowed' });
    });

    it.each([
      '/readyz?%E0%A4%A',
      '/readyz?a[b]=1&a[c]=2&&&===&%',
      '/api/status?__proto__=1&constructor[prototype][x]=1',
      '/topology?x=%00%FF%ZZ',
    ])('ignores garbage query strings: %s', async (path) => {
      const raw = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusLine(raw)).toMatch(/^HTTP\/1\.1 (200|503) /);
    });

    it.each(['/%E0%A4%A', '/%', '/%%', '/js/main.js%ZZ', '/%C0%AE%C0%AE/'])('answers a malformed path %s without crashing', async (path) => {
      const raw = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusLine(raw)).toMatch(/^HTTP\/1\.1 (400|404) /);
      expect(raw).toMatch(/\{"error":"(bad_request|not_found)"/);
    });

    it('answers a long URL under the header limit with a short 404', async () => {
      const path = `/${'a'.repeat(10_000)}`;
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { message: string };
      expect(body.message.length).toBeLessThan(300);
    });

    it('answers a URL over the header limit with 431 and keeps serving', async () => {
      const raw = await rawRequest(server.port, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusLine(raw)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });

    it('answers a broken request line with 400 and keeps serving', async () => {
      const raw = await rawRequest(server.port, 'GARBAGE\r\n\r\n');
      expect(statusLine(raw)).toBe('HTTP/1.1 400 Bad Request');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });
  });
});

describe('startHttpServer lifecycle', () => {
  const logger = createLogger({ level: 'silent' });
  const source = new FakeSource();

  it('fails with a ConfigError when the port is taken', async () => {
    const metrics = new Metrics({ applicationId: 'a', version: '0', defaultMetrics: false });
    const first = await startHttpServer({ port: 0, host: '127.0.0.1', source, metrics, logger });
    try {
      const listeners = source.outputListeners.size;
      await expect(startHttpServer({ port: first.port, host: '127.0.0.1', source, metrics, logger })).rejects.toMatchObject({
        code: 'SLUICE_CONFIG',
        message: expect.stringContaining(`cannot listen on 127.0.0.1:${first.port}: EADDRINUSE`),
      });
      // The server that failed to start does not keep watching the output.
      expect(source.outputListeners.size).toBe(listeners);
    } finally {
      await first.close();
    }
  });

  it.each([-1, 65_536, 1.5, Number.NaN])('rejects port %s', async (port) => {
    const metrics = new Metrics({ applicationId: 'a', version: '0', defaultMetrics: false });
    await expect(startHttpServer({ port, source, metrics, logger })).rejects.toMatchObject({ code: 'SLUICE_CONFIG' });
  });

  it('close() is idempotent, closes keep-alive connections and frees the port', async () => {
    const metrics = new Metrics({ applicationId: 'a', version: '0', defaultMetrics: false });
    const listeners = source.outputListeners.size;
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', source, metrics, logger });
    expect(source.outputListeners.size).toBe(listeners + 1);
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(200);
    await res.text();
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    expect(source.outputListeners.size).toBe(listeners);
  });
});

/**
 * Checks the Prometheus text exposition format line by line: HELP/TYPE comments, samples with a valid
 * name, well-formed labels and a float value, and every sample's family declared by a TYPE line. NaN in any
 * case: prom-client writes "Nan" for event-loop stats with no samples yet, which Prometheus (Go ParseFloat) accepts.
 * Returns the problems found.
 */
function parsePrometheusText(text: string): string[] {
  const problems: string[] = [];
  const types = new Map<string, string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const label = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
  const sample = new RegExp(`^(${name})(?:\\{(?:${label})(?:,${label})*,?\\})? (-?[0-9.eE+-]+|[Nn][Aa][Nn]|[+-]Inf)(?: -?\\d+)?$`);
  if (!text.endsWith('\n')) problems.push('does not end with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type !== null) {
      types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    if (new RegExp(`^# HELP ${name} .*$`).test(line)) continue;
    const match = sample.exec(line);
    if (match === null) {
      problems.push(`not a valid line: ${line}`);
      continue;
    }
    const metric = match[1] ?? '';
    const family = types.has(metric) ? metric : metric.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(family)) problems.push(`sample without TYPE: ${metric}`);
  }
  return problems;
}
