import { defineConfig } from 'vitest/config';

// Upstream conformance data read from ../shared/conformance (skipped with a message when absent).
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    testTimeout: 120_000,
    passWithNoTests: true,
  },
});
