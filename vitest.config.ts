import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['serve/**/*.test.ts', 'eval/**/*.test.ts', 'datasets/**/*.test.ts', 'test/**/*.test.ts', 'ui/**/*.test.ts'],
    // Suite end-to-end tests start a whole in-process stack; on a busy 2-core machine they can take a minute.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // PGlite instances are memory-heavy and the machine has 2 cores.
    maxWorkers: 2,
  },
});
