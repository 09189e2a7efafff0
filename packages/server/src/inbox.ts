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

/** What the inbox tells its connection. */
export interface InboxOwner {
  /** Runs after each step; `last`: nothing else is queued (the connection commits then). */
  afterStep(last: boolean): Promise<void> | void;
  /** A step (or `afterStep`) threw or rejected. */
  stepFailed(error: unknown): void;
}

/** Compact the array once this many handled slots lead it (a long burst on one connection). */
const COMPACT_AT = 1_024;
const settled: Promise<void> = Promise.resolve();

export class Inbox {
  readonly #owner: InboxOwner;
  /** The queue, only while there is work: an idle connection holds no array (memory per connection counts). */
  #steps: (Step | undefined)[] | undefined;
  #head = 0;
  #running: Promise<void> | undefined;

  constructor(owner: InboxOwner) {
    this.#owner = owner;
  }

  /** Queues a step; it runs after every step queued before it, never inside this call. */
  push(step: Step): void {
    (this.#steps ??= []).push(step);
    this.#running ??= this.#drain();
  }

  /** Resolves once the queue ran dry (steps queued meanwhile included). */
  idle(): Promise<void> {
    return this.#running ?? settled;
  }

  async #drain(): Promise<void> {
    // the caller (receive) finishes its own synchronous decision first
    await undefined;
    const steps = this.#steps as (Step | undefined)[];
    while (this.#head < steps.length) {
      const wait = turnBudget();
      if (wait) await wait;
      const step = steps[this.#head] as Step;
      steps[this.#head++] = undefined;
      try {
        const pending = step();
        if (pending) await pending;
        const after = this.#owner.afterStep(this.#head === steps.length);
        if (after) await after;
      } catch (error) {
        this.#owner.stepFailed(error);
      }
      if (this.#head === steps.length) {
        steps.length = 0;
        this.#head = 0;
      } else if (this.#head >= COMPACT_AT) {
        steps.splice(0, this.#head);
        this.#head = 0;
      }
    }
    this.#steps = undefined;
    this.#head = 0;
    this.#running = undefined;
  }
}
