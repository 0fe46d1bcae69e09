import { defineConfig } from 'vitest/config';

// Unit tests: fast, in-process. Conformance and integration suites have their own configs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/integration/**', 'test/conformance/**', 'node_modules/**'],
    testTimeout: 20_000,
  },
});
