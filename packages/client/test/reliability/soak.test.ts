// The one-way chaos soak, at-most-once (see soak.ts): ~15 s by default;
// LIFELINE_SOAK_MS runs it longer and LIFELINE_SOAK_SEED replays a schedule.
// Acknowledged delivery: two-way-soak.test.ts.
import { expect, it } from "vitest";
import { soakTimeout } from "./faults.js";
import { soak, SOAK_MS } from "./soak.js";

it("at-most-once: under random faults every queued message arrives once and in order", { timeout: soakTimeout(SOAK_MS) }, async () => {
  const result = await soak();
  expect(result.queuedLost).toBe(0);
  // the run must have exercised the line, not just idled
  expect(result.queued).toBeGreaterThan(0);
  expect(result.opens).toBeGreaterThan(10);
});
