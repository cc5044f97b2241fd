import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logging/logger.ts';
import { RateLimitedLog } from '../logging/rate-limited.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { StatusSource } from '../runtime/status.ts';
import type { EventLoopMonitor } from './event-loop-monitor.ts';
import type { OutputSampler } from './output-sampler.ts';
import { readinessReport } from './readiness.ts';

/** The dashboard's static files, next to this module (no build step). */
export const PUBLIC_DIR = path.join(import.meta.dirname, 'public');

export interface AppOptions {
  readonly source: StatusSource;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly eventLoop: EventLoopMonitor;
  /** /healthz answers 503 while the event-loop lag is above this. */
  readonly maxEventLoopLagMs: number;
  /** The latest committed output per topic, for GET /output. */
  readonly output: OutputSampler;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The express app behind the HTTP server: probes, metrics, JSON status and the dashboard. Read-only: every
 * route is GET (or HEAD); anything else is 405. Errors never escape: unknown paths are 404 JSON, bad requests
 * 400 JSON, failures 500 JSON, logged at most once a minute per status and path.
 */
export function createApp(options: AppOptions): Express {
  const { source, metrics, eventLoop, maxEventLoopLagMs, output } = options;
  const logger = options.logger;
  const errorLog = new RateLimitedLog(logger, { intervalMs: 60_000, maxKeys: 100 });
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    res.set('Allow', 'GET, HEAD');
    noCache(res).status(405).json({ error: 'method_not_allowed', message: `${req.method} is not allowed here; use GET` });
  });

  const api = (handler: RequestHandler): RequestHandler => (req, res, next) => {
    noCache(res);
    return handler(req, res, next);
  };

  app.get('/metrics', api(async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(text);
  }));

  app.get('/healthz', api((_req, res) => {
    const lagMs = Math.round(eventLoop.lagMs());
    if (lagMs > maxEventLoopLagMs) {
      res.status(503).json({
        status: 'unhealthy',
        reason: `event loop blocked for ${(lagMs / 1000).toFixed(1)} s (limit ${(maxEventLoopLagMs / 1000).toFixed(1)} s)`,
        eventLoopLagMs: lagMs,
      });
      return;
    }
    res.json({ status: 'ok', eventLoopLagMs: lagMs, uptimeSeconds: Math.round(process.uptime()) });
  }));

  app.get('/readyz', api((_req, res) => {
    const report = readinessReport(source.status());
    res.status(report.status === 'ready' ? 200 : 503).json(report);
  }));

  app.get('/topology', api((_req, res) => {
    res.json(source.topology());
  }));

  app.get('/api/status', api((_req, res) => {
    res.json({ ...source.status(), serverTimeMs: Date.now() });
  }));

  app.get('/output', api((_req, res) => {
    res.json(output.snapshot());
  }));

  app.use(
    (_req, res, next) => {
      res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.set('X-Frame-Options', 'DENY');
      next();
    },
    express.static(PUBLIC_DIR, {
      index: 'index.html',
      dotfiles: 'ignore',
      redirect: false,
      // Small files; always revalidate so a new sluice version never runs an old dashboard script.
      cacheControl: false,
      setHeaders: (res) => res.set('Cache-Control', 'no-cache'),
    }),
  );

  app.use((req, res) => {
    noCache(res).status(404).json({ error: 'not_found', message: `no route for ${req.method} ${truncate(req.path, 200)}` });
  });

  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    const status = httpStatusOf(err);
    const url = truncate(req.originalUrl, 200);
    const message = err instanceof Error ? err.message : String(err);
    if (status >= 500) errorLog.error(`${status} ${req.path.slice(0, 100)}`, { err, method: req.method, url }, 'HTTP request failed');
    else errorLog.warn(`${status}`, { method: req.method, url, reason: message }, 'HTTP bad request');
    if (res.headersSent) {
      // Too late for a JSON error: let express end the connection.
      next(err);
      return;
    }
    noCache(res).status(status).json(
      status >= 500
        ? { error: 'internal_error', message: 'the request failed; see the server log' }
        : { error: 'bad_request', message: truncate(message, 200) },
    );
  };
  app.use(onError);

  return app;
}

function noCache(res: Response): Response {
  return res.set('Cache-Control', 'no-store, max-age=0');
}

/** The HTTP status an error asks for (http-errors, body-parser and send set `status`), else 500. */
function httpStatusOf(err: unknown): number {
  if (typeof err === 'object' && err !== null) {
    const record = err as { status?: unknown; statusCode?: unknown };
    const status = typeof record.status === 'number' ? record.status : record.statusCode;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) return status;
  }
  return 500;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
