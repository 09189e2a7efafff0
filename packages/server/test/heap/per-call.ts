// Heap per store call, after GC: the measure STYLE.md asks of anything
// long-lived. A store that keeps a few bytes per call (a listener, a promise
// reaction, a map entry without its release) shows up here long before it
// fills a production heap.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** The engine's collector, reachable without starting the process with --expose-gc. */
const gc = runInNewContext("gc") as () => void;

/** Heap in use after full collections (the lowest of a few, so a late finaliser does not count). */
export async function settledHeap(): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < 4; i++) {
    // let pending promise jobs and timers run before collecting
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    lowest = Math.min(lowest, process.memoryUsage().heapUsed);
  }
  return lowest;
}

/**
 * Runs `round` (which makes `callsPerRound` calls) until `calls` calls were
 * made, after a warm-up of a tenth as many, and answers the heap kept per call.
 */
export async function heapPerCall(round: () => Promise<void>, callsPerRound: number, calls: number): Promise<number> {
  const rounds = Math.ceil(calls / callsPerRound);
  for (let i = 0; i < Math.ceil(rounds / 10); i++) await round();
  const before = await settledHeap();
  for (let i = 0; i < rounds; i++) await round();
  const after = await settledHeap();
  return (after - before) / (rounds * callsPerRound);
}
