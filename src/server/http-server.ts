import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { StatusSource } from '../runtime/status.ts';
import { createApp } from './app.ts';
import { EventLoopMonitor } from './event-loop-monitor.ts';
import { OutputSampler } from './output-sampler.ts';

export interface HttpServerOptions {
  /** TCP port; 0 picks a free one (see the returned `port`). */
  readonly port: number;
  /**
   * Interface to bind; loopback (127.0.0.1) when absent, so nothing is exposed by accident. A container sets
   * 0.0.0.0 (all interfaces) to be reachable from outside its network namespace.
   */
  readonly host?: string;
  readonly source: StatusSource;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** /healthz answers 503 while the event loop lags more than this. Default 10,000 ms. */
  readonly maxEventLoopLagMs?: number;
  /** How long close() lets in-flight requests finish before cutting connections. Default 2,000 ms. */
  readonly closeGraceMs?: number;
  /** Records kept per output topic for GET /output. Default 5. */
  readonly outputRecordsPerTopic?: number;
}

export interface HttpServer {
  /** The bound port (the ephemeral one when `port` was 0). */
  readonly port: number;
  /** The bound interface address. */
  readonly host: string;
  /** Stops accepting connections, lets in-flight requests finish (up to closeGraceMs), then resolves. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the observability server: GET /metrics, /healthz (liveness: event-loop lag), /readyz (readiness:
 * in group and restored), /topology, /api/status, /output (the last records committed to each output topic) and
 * the dashboard at /.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { port, logger } = options;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`HTTP port ${port} is not valid (expected an integer from 0 to 65535)`, { context: { field: 'httpPort' } });
  }
  const maxEventLoopLagMs = options.maxEventLoopLagMs ?? 10_000;
  const closeGraceMs = options.closeGraceMs ?? 2_000;
  // Callers may have bound `component` already (pino would then write the key twice).
  const log = 'component' in logger.bindings() ? logger : logger.child({ component: 'http' });
  const eventLoop = new EventLoopMonitor({ intervalMs: Math.min(500, Math.max(10, Math.floor(maxEventLoopLagMs / 4))) });
  const output = OutputSampler.forSource(options.source, options.outputRecordsPerTopic === undefined ? {} : { recordsPerTopic: options.outputRecordsPerTopic });
  const app = createApp({ source: options.source, metrics: options.metrics, logger: log, eventLoop, maxEventLoopLagMs, output });

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, app);
  // Probes and scrapes are small: slow or stuck clients are cut off instead of holding sockets.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug({ err: { message: err.message, code: err.code } }, 'HTTP client error');
    if (socket.writable && !socket.writableEnded) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${host}:${port}`;
      reject(new ConfigError(`HTTP server cannot listen on ${where}: ${err.code ?? err.message}`, { cause: err, context: { field: 'httpPort' } }));
    };
    server.once('error', onError);
    const listening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.listen(port, host, listening);
  }).catch((error: unknown) => {
    output.close();
    throw error;
  });
  server.on('error', (err) => log.error({ err }, 'HTTP server error'));
  eventLoop.start();

  const boundPort = (server.address() as AddressInfo).port;
  log.info({ port: boundPort, host }, `HTTP server listening on ${host}:${boundPort}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      eventLoop.stop();
      output.close();
      const force = setTimeout(() => server.closeAllConnections(), closeGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        log.info('HTTP server closed');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { port: boundPort, host, close };
}
