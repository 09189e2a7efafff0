// A connection's inbound work, in order and one step at a time: its frames
// and its own steps (resume, end, a reset from the store) wait in an array
// drained by one loop. A promise chain cost a closure, a `then` and an async
// function's promise per frame, and a microtask hop even when nothing was
// asynchronous; here a step that finishes synchronously (a synchronous
// `onMessage`, a duplicate) costs none, and the loop waits only for a step
// that returns a promise. Every step counts against the turn budget
// (turn-budget.ts), so frames arriving together on many connections are
// handled over several turns of the event loop.
import { turnBudget } from "./turn-budget.js";

/** One piece of inbound work: a promise when it has to wait for something. */
export type Step = () => Promise<void> | void;

/** Compact the array once this many handled slots lead it (a long burst on one connection). */
const COMPACT_AT = 1_024;
const settled: Promise<void> = Promise.resolve();

export class Inbox {
  readonly #steps: (Step | undefined)[] = [];
  #head = 0;
  #running: Promise<void> | undefined;
  /** Runs after each step; `last`: nothing else is queued (the connection commits then). */
  readonly #after: (last: boolean) => Promise<void> | void;
  /** A step (or `after`) threw or rejected. */
  readonly #fail: (error: unknown) => void;

  constructor(after: (last: boolean) => Promise<void> | void, fail: (error: unknown) => void) {
    this.#after = after;
    this.#fail = fail;
  }

  /** Queues a step; it runs after every step queued before it, never inside this call. */
  push(step: Step): void {
    this.#steps.push(step);
    this.#running ??= this.#drain();
  }

  /** Resolves once the queue ran dry (steps queued meanwhile included). */
  idle(): Promise<void> {
    return this.#running ?? settled;
  }

  async #drain(): Promise<void> {
    // the caller (receive) finishes its own synchronous decision first
    await undefined;
    const steps = this.#steps;
    while (this.#head < steps.length) {
      const wait = turnBudget();
      if (wait) await wait;
      const step = steps[this.#head] as Step;
      steps[this.#head++] = undefined;
      try {
        const pending = step();
        if (pending) await pending;
        const after = this.#after(this.#head === steps.length);
        if (after) await after;
      } catch (error) {
        this.#fail(error);
      }
      if (this.#head === steps.length) {
        steps.length = 0;
        this.#head = 0;
      } else if (this.#head >= COMPACT_AT) {
        steps.splice(0, this.#head);
        this.#head = 0;
      }
    }
    this.#running = undefined;
  }
}
