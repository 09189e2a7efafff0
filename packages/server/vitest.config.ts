import { defineConfig } from "vitest/config";
import { sharedTest } from "../../tools/test-kit/vitest.js";

export default defineConfig({
  test: {
    ...sharedTest,
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
