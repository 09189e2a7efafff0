// Unexpected console output fails the test that produced it: a warning from
// the SDK (or a forgotten debug line) is a bug, not noise.
import { afterEach, vi } from "vitest";

const calls: string[] = [];
for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
    calls.push(`console.${method}: ${args.map(String).join(" ")}`);
  });
}

afterEach(() => {
  if (calls.length > 0) {
    const seen = calls.splice(0);
    throw new Error(`unexpected console output:\n${seen.join("\n")}`);
  }
});
