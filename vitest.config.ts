import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Every compile in the suite verifies the IR before the first pass and after each one (compiler/pipeline.ts).
    env: { QUIVER_VERIFY: '1' },
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
