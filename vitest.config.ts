import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['serve/**/*.test.ts', 'eval/**/*.test.ts', 'datasets/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are memory-heavy and the machine has 2 cores.
    maxWorkers: 2,
  },
});
