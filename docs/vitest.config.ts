import { defineConfig } from "vitest/config";
import { sharedTest } from "../tools/test-kit/vitest.js";

export default defineConfig({
  test: {
    ...sharedTest,
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Chromium, tsc and child Node processes on a shared 2-core machine: generous, and one file at a time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
