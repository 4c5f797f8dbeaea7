import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.kiln/**'],
    // The repository's .kiln/ is the developer's: the suite must leave it as it was.
    globalSetup: ['testkit/repo-state-guard.ts'],
    setupFiles: ['testkit/test-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Many suites start real processes and servers; two cores do not like more than two at once.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
