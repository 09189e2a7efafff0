import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Chromium, tsc and child Node processes on a shared 2-core machine: generous, and one file at a time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // the same rule as the client's suites: unexpected console output fails the test
    setupFiles: ["../tools/test-kit/fail-on-console.ts"],
  },
});
