import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // one rule for the whole repo: unexpected console output fails the test (React's warnings included)
    setupFiles: ["../../tools/test-kit/fail-on-console.ts"],
    projects: [
      { extends: true, test: { name: "dom", include: ["test/dom/**/*.test.{ts,tsx}"], environment: "happy-dom" } },
      { extends: true, test: { name: "ssr", include: ["test/ssr/**/*.test.{ts,tsx}", "test/types/**/*.test.{ts,tsx}"], environment: "node" } },
      { extends: true, test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", fileParallelism: false } },
      { extends: true, test: { name: "package", include: ["test/package/**/*.test.ts"], environment: "node" } },
    ],
  },
});
