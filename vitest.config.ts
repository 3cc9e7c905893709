import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'core/**/*.test.ts',
      'vamm/**/*.test.ts',
      'persistence/**/*.test.ts',
      'gateway/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
