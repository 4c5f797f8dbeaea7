import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.kiln/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Many suites start real processes and servers; two cores do not like more than two at once.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
