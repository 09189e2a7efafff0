import { defineConfig } from "vitest/config";
import { sharedTest } from "../../tools/test-kit/vitest.js";

export default defineConfig({
  test: {
    ...sharedTest,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts", "test/types/**/*.test.ts"], environment: "node" } },
      { extends: true, test: { name: "dom", include: ["test/dom/**/*.test.ts"], environment: "happy-dom" } },
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"], environment: "node" } },
      { extends: true, test: { name: "runtimes", include: ["test/runtimes/**/*.test.ts"], environment: "node", fileParallelism: false } },
      { extends: true, test: { name: "reliability", include: ["test/reliability/**/*.test.ts"], environment: "node", fileParallelism: false } },
      { extends: true, test: { name: "websocket", include: ["test/websocket/**/*.test.ts"], environment: "node", fileParallelism: false } },
      { extends: true, test: { name: "package", include: ["test/package/**/*.test.ts"], environment: "node" } },
    ],
  },
});
