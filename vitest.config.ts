import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: false,
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/setup/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          // Integration tests share one broker and two cores: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
