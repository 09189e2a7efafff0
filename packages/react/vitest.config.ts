import { defineConfig } from "vitest/config";
import { sharedTest } from "../../tools/test-kit/vitest.js";

export default defineConfig({
  test: {
    ...sharedTest,
    projects: [
      { extends: true, test: { name: "dom", include: ["test/dom/**/*.test.{ts,tsx}"], environment: "happy-dom" } },
      { extends: true, test: { name: "ssr", include: ["test/ssr/**/*.test.{ts,tsx}", "test/types/**/*.test.{ts,tsx}"], environment: "node" } },
      { extends: true, test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", fileParallelism: false } },
      { extends: true, test: { name: "package", include: ["test/package/**/*.test.ts"], environment: "node" } },
    ],
  },
});
