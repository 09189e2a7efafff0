// A budget of inbound frames handled per turn of the event loop, shared by
// every connection of the process. When many clients' windows arrive in one
// turn (50 clients × 256 messages, read from every ready socket at once),
// handling them all before the loop moves on blocked it for 65–90 ms; past
// the budget, the connections' handler chains wait for the next turn
// instead. Each chain still handles its frames in order, one at a time.

type Schedule = (callback: () => void, ms?: number) => unknown;
const scope = globalThis as unknown as { setImmediate?: Schedule; setTimeout: Schedule };
/**
 * The next turn of the loop: `setImmediate` (after I/O, no timer's delay)
 * where the runtime has it, else a 0 ms timer. Taken when the module loads,
 * so that a test's fake timers do not hold the server's chains.
 */
const schedule = scope.setImmediate ?? scope.setTimeout;
const later = (callback: () => void): void => void schedule.call(globalThis, callback, 0);

/** Frames handled per turn before the chains yield (a few ms of work). */
const FRAMES_PER_TURN = 1_024;

let spent = 0;
let nextTurn: Promise<void> | undefined;
let resume: (() => void) | undefined;

/** Starts the count over in the next turn, and lets the waiting chains go on. */
function newTurn(): void {
  spent = 0;
  nextTurn = undefined;
  const go = resume;
  resume = undefined;
  go?.();
}

/**
 * Counts one frame; `undefined` while the turn's budget lasts, else a promise
 * that resolves in the next turn (I/O goes first).
 */
export function turnBudget(): Promise<void> | undefined {
  if (spent === 0) later(newTurn);
  if (++spent <= FRAMES_PER_TURN) return undefined;
  // its own schedule too: the count's reset may have been lost
  nextTurn ??= new Promise<void>((resolve) => {
    resume = resolve;
    later(newTurn);
  });
  return nextTurn;
}
