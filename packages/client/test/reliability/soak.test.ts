// Chaos soak (see soak.ts). ~30 s by default; LIFELINE_SOAK_MS runs it longer
// and LIFELINE_SOAK_SEED replays a schedule.
import { expect, it } from "vitest";
import { soak, soakTimeout } from "./soak.js";

it("at-most-once: under random faults every queued message arrives once and in order", { timeout: soakTimeout() }, async () => {
  const result = await soak({ delivery: "at-most-once" });
  expect(result.queuedLost).toBe(0);
  // the run must have exercised the line, not just idled
  expect(result.queued).toBeGreaterThan(0);
  expect(result.opens).toBeGreaterThan(10);
});

it("at-least-once: under random faults every accepted message arrives exactly once and in order", { timeout: soakTimeout() }, async () => {
  const result = await soak({ delivery: "at-least-once" });
  expect(result.inFlightLost).toBe(0);
  expect(result.queuedLost).toBe(0);
  expect(result.duplicates).toBe(0);
  expect(result.opens).toBeGreaterThan(10);
});
