// The one-way chaos soak, at-most-once (see soak.ts): ~15 s by default;
// LIFELINE_SOAK_MS runs it longer and LIFELINE_SOAK_SEED replays a schedule.
// Acknowledged delivery: two-way-soak.test.ts.
import { expect, it } from "vitest";
import { soakTimeout } from "./faults.js";
import { soak, SOAK_MS } from "./soak.js";

// retry: a queued frame flushed onto a socket that a fault kills before the server read it is lost for the
// transport's sake; the soak waits (bounded) for each flush to arrive before a fault, and on a busy 2-core
// run that wait can run out (about 1 run in 4 in this wave's full runs; every failing seed passed on replay).
// A second seed must pass; a regression that loses queued messages fails every seed.
it("at-most-once: under random faults every queued message arrives once and in order", { timeout: soakTimeout(SOAK_MS), retry: 2 }, async () => {
  const result = await soak();
  expect(result.queuedLost).toBe(0);
  // the run must have exercised the line, not just idled
  expect(result.queued).toBeGreaterThan(0);
  expect(result.opens).toBeGreaterThan(10);
});
