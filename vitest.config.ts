import { defineConfig } from 'vitest/config';

// Unit tests sit beside their code; e2e tests drive a real daemon, real jails and the real agent
// and need root, runc and the guest image (scripts/test.sh prepares them).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
