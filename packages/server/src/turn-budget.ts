// A budget of inbound work per turn of the event loop, shared by every
// connection of the process. When many clients' windows arrive in one turn
// (50 clients × 256 messages, read from every ready socket at once), or 200
// `hello`s at once, handling them all before the loop moves on blocked it for
// 65–100 ms. Past the budget (a count of steps, or a few ms since the turn's
// first step, whichever comes first) the connections' inboxes wait, and go on
// only in the next turn: after the loop ran its timers and read its sockets
// once more. Each inbox still handles its steps in order, one at a time, and
// commits before it waits (inbox.ts). Frames are parsed as steps too, so a
// turn that reads many sockets' windows does little more per frame than
// queue its text.

import { now } from "./platform.js";

type Schedule = (callback: () => void, ms?: number) => unknown;
const scope = globalThis as unknown as { setImmediate?: Schedule; setTimeout: Schedule };
/**
 * The next turn of the loop: `setImmediate` (after I/O, no timer's delay)
 * where the runtime has it, else a 0 ms timer. Taken when the module loads,
 * so that a test's fake timers do not hold the server's inboxes.
 */
const schedule = scope.setImmediate ?? scope.setTimeout;
const later = (callback: () => void): void => void schedule.call(globalThis, callback, 0);

/** Steps handled per turn before the inboxes yield. */
const STEPS_PER_TURN = 1_024;
/** …or this many ms after the turn's first step (a `hello` costs far more than a `msg`). */
const MS_PER_TURN = 4;
/** The clock is read every this many steps. */
const CLOCK_EVERY = 8;

let spent = 0;
/** A turn is being counted (its end is scheduled). */
let counting = false;
let startedAt = 0;
/** The turn's budget ran out: the inboxes wait for `nextTurn`. */
let exhausted = false;
let nextTurn: Promise<void> | undefined;
let resume: (() => void) | undefined;

function startTurn(afterTimers: boolean): void {
  counting = true;
  spent = 0;
  startedAt = now();
  later(() => endOfTurn(afterTimers));
}

/**
 * Runs after the I/O of a turn in which steps were counted. `afterTimers`:
 * the turn was started by `newTurn` (itself after I/O), so the loop ran its
 * timers and read its sockets since.
 */
function endOfTurn(afterTimers: boolean): void {
  if (!exhausted) {
    counting = false;
    return;
  }
  // the budget ran out: the loop runs its timers and reads its sockets before more is handled
  if (afterTimers) newTurn();
  else later(() => endOfTurn(true));
}

/** Starts the count over and lets the waiting inboxes go on. */
function newTurn(): void {
  exhausted = false;
  nextTurn = undefined;
  startTurn(true);
  const go = resume;
  resume = undefined;
  go?.();
}

/**
 * Counts one step; `undefined` while the turn's budget lasts, else a promise
 * that resolves in a later turn (timers and I/O go first).
 */
export function turnBudget(): Promise<void> | undefined {
  if (!exhausted) {
    if (!counting) startTurn(false);
    spent++;
    if (spent <= STEPS_PER_TURN && (spent % CLOCK_EVERY !== 0 || now() - startedAt < MS_PER_TURN)) return undefined;
    exhausted = true;
  }
  nextTurn ??= new Promise<void>((go) => {
    resume = go;
  });
  return nextTurn;
}
