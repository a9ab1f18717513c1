import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: pure functions and house rules, in parallel, no build and no system package (seconds, any
 * machine with Node: `npm run test:unit`). `integration`: real processes and sockets (HAProxy, nginx, iperf3,
 * Chromium), one file at a time so their load does not skew each other on a 2-core machine, after a build (the CLI
 * tests spawn dist/). `npm test` runs both.
 */
export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/closing-line-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/architecture/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Builds dist/ first: the CLI tests spawn the compiled bin, which must never be stale.
          globalSetup: ['./test/helpers/build.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
