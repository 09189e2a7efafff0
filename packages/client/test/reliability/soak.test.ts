// The one-way chaos soak, at-most-once (see soak.ts): ~15 s by default;
// LIFELINE_SOAK_MS runs it longer and LIFELINE_SOAK_SEED replays a schedule.
// Acknowledged delivery: two-way-soak.test.ts.
import { expect, it } from "vitest";
import { soakTimeout } from "./faults.js";
import { soak, SOAK_MS } from "./soak.js";

// retry: a queued frame flushed onto a socket that a fault kills before the server read it is lost for the
// transport's sake, so the soak skips a fault while a flush is unread (bounded wait). A busy run whose wait ran out
// used to inject the fault anyway and lose a flush (about 1 run in 4 in this wave's full runs, every seed passing on
// replay); now it skips that fault. One retry stays for a seed the machine starves of faults; a regression that
// loses queued messages fails every seed.
it("at-most-once: under random faults every queued message arrives once and in order", { timeout: soakTimeout(SOAK_MS), retry: 1 }, async () => {
  const result = await soak();
  expect(result.queuedLost).toBe(0);
  // the run must have exercised the line, not just idled
  expect(result.queued).toBeGreaterThan(0);
  expect(result.opens).toBeGreaterThan(10);
});
