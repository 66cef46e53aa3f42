import { defineConfig } from 'vitest/config';

// Unit tests sit beside their code; e2e tests drive a real daemon, real jails and the real agent
// and need root, runc and the guest image (scripts/test.sh prepares them). The hostile suite
// attacks one live daemon per backend (started once by its global setup) and prints a table of
// attacks and outcomes at the end. Projects without file parallelism share vitest's one
// sequential group, so hostile fork bombs and floods never run beside an e2e file.
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
      {
        test: {
          name: 'hostile',
          include: ['test/hostile/**/*.test.ts'],
          globalSetup: ['test/hostile/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
