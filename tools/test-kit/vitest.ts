// What every package's vitest.config.ts starts from.
import { fileURLToPath } from "node:url";

/**
 * The repo's common test settings: timeouts generous enough for a loaded
 * 2-core machine, and fail-on-console.ts as the setup file (unexpected
 * console output fails the test that printed it).
 */
export const sharedTest = {
  testTimeout: 20_000,
  hookTimeout: 20_000,
  setupFiles: [fileURLToPath(new URL("./fail-on-console.ts", import.meta.url))],
};
