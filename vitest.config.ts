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
          // V8 compiles optimized code on a background thread by default, and that race made the allocation tests
          // (test/helpers/gc-count.ts) see 16-64 B per call in 3 runs of 10 (a stale-feedback compile, not our
          // code): compiled on the main thread, what they measure is the code under test, the same every run.
          execArgv: ['--no-concurrent-recompilation'],
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
