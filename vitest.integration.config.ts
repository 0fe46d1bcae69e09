import { defineConfig } from 'vitest/config';

// Suites against real peers (promtool, Prometheus, node_exporter, Alertmanager, Chromium, tmux).
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    passWithNoTests: true,
  },
});
