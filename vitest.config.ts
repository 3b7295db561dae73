import { defineConfig } from 'vitest/config';

// chDB must run in the `forks` pool: two test files opening chDB in one process (threads pool) segfault.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'eslint/**/*.test.ts', 'test/*.test.ts'],
    testTimeout: 60_000,
    reporters: ['default', './vitest-summary.reporter.ts'],
    hookTimeout: 120_000,
  },
});
