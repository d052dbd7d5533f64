import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the `touchline-source`
// export condition), so a test never runs against a stale build.
export default defineConfig({
  resolve: { conditions: ['touchline-source', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['touchline-source', 'module', 'node', 'default'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
