// The browser check of the dashboard, kept out of the unit and integration projects (it needs Chromium):
//   npx vitest run --config test/browser/vitest.config.ts
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: path.resolve(import.meta.dirname, '../..'),
    globals: false,
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
