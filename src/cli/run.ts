import type { SluiceConfig } from '../config/config.ts';
import type { Topology } from '../dsl/define-topology.ts';
import { createKafkajsClient } from '../kafka/index.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { Application } from '../runtime/application.ts';
import { connectionOf } from './preflight.ts';
import { startHttpServer } from '../server/http-server.ts';

export interface RunOptions {
  /** The process logger; one from the config when absent. */
  readonly logger?: Logger;
  /**
   * Called once the application is built, before it starts (e.g. to watch its committed output). What it
   * returns is called after the application has stopped.
   */
  readonly attach?: (app: Application) => (() => void | Promise<void>) | void;
  /** Called with the dashboard's address once the HTTP server listens. */
  readonly onListening?: (url: string) => void;
}

/** Where the HTTP server can be reached, for the log line: an address to open, not the bind address. */
function displayUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}/ (listening on all interfaces)`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** Runs a topology until SIGTERM/SIGINT (graceful) or a fatal error (exit code 1). */
export async function runTopology(topology: Topology, config: SluiceConfig, options: RunOptions = {}): Promise<number> {
  const log = options.logger ?? createLogger({ level: config.logLevel as 'info', format: config.logFormat, name: 'sluice' });
  const client = createKafkajsClient(
    connectionOf(config, `sluice-${config.instanceId}`),
    log.child({ component: 'kafka' }),
    { produce: { path: config.producePath, compression: config.producerCompression, maxBatchBytes: config.maxRecordBytes } },
  );
  const app = new Application({ topology, config, client, logger: log });
  const detach = options.attach?.(app);
  const server =
    config.httpPort === null
      ? undefined
      : await startHttpServer({ port: config.httpPort, host: config.httpHost, source: app, metrics: app.metrics, logger: log.child({ component: 'http' }) });
  if (server !== undefined) {
    log.info({ port: server.port, host: server.host }, `metrics, health and dashboard on ${displayUrl(server.host, server.port)}`);
    options.onListening?.(displayUrl(server.host, server.port));
  }
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'stopping: finishing the batch in flight, committing, leaving the group');
    void app.stop();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    await app.start();
    await app.done;
    return 0;
  } catch (error) {
    log.error({ err: error }, (error as Error).message);
    await app.stop().catch(() => undefined);
    return 1;
  } finally {
    await server?.close();
    await detach?.();
  }
}
