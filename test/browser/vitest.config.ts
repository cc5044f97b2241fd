// The browser checks of the dashboard, kept out of the unit and integration projects (they need Chromium):
//   npx vitest run --config test/browser/vitest.config.ts
// dashboard.test.ts runs a fake application; live-dashboard.test.ts runs a real sluice against the Kafka broker
// that the integration global setup provides (KAFKA_BROKERS, else testcontainers, else the local broker).
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = path.resolve(import.meta.dirname, '../..');

export default defineConfig({
  test: {
    root,
    globals: false,
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: [path.join(root, 'test/integration/setup/global-setup.ts')],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One Chromium and one sluice at a time on two cores.
    fileParallelism: false,
  },
});
