// Serves the dashboard against a simulated application, to look at it by hand:
//   npx tsx test/browser/serve-fake-dashboard.ts [port]
import { createLogger } from '../../src/logging/logger.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { startHttpServer, type HttpServer } from '../../src/server/http-server.ts';
import { createFakeApplication, type FakeApplication, type FakeApplicationOptions } from './fake-application.ts';

export async function startFakeDashboard(
  options: { port?: number; fake?: FakeApplicationOptions } = {},
): Promise<{ server: HttpServer; fake: FakeApplication; url: string }> {
  const fake = createFakeApplication(options.fake);
  const metrics = new Metrics({ applicationId: fake.status().applicationId, version: '0.0.0-dev' });
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn', format: 'pretty' });
  const server = await startHttpServer({ port: options.port ?? 0, host: '127.0.0.1', source: fake, metrics, logger });
  return { server, fake, url: `http://127.0.0.1:${server.port}/` };
}

if (import.meta.filename === process.argv[1]) {
  const port = Number(process.argv[2] ?? 0);
  const { server, url } = await startFakeDashboard({ port });
  console.log(`dashboard: ${url}`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
