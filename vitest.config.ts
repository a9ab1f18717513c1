import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ first: the CLI tests spawn the compiled bin, which must never be stale.
    globalSetup: ['./test/helpers/build.ts'],
    // Integration tests put real load on a 2-core machine: one file at a time keeps them from skewing each other.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/closing-line-reporter.ts'],
  },
});
