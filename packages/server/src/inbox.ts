// A connection's inbound work, in order and one item at a time: the text of
// its frames (parsed when their turn comes, not when the socket hands them
// over) and its own steps (resume, end, a reset from the store), drained by
// one loop. An item handled synchronously (a synchronous `onMessage`, an ack,
// a duplicate) costs no promise and no microtask; the loop waits only for an
// item or a commit that returns a promise.
//
// Every item counts against the process's turn budget (turn-budget.ts). When
// it ran out, the inbox lets its owner commit first (store the mark of what it
// handled, ack, stop reading the socket) and only then waits for a later turn:
// no handled message waits for its mark across a turn of the event loop. A
// Durable Object torn down between turns would otherwise have kept the effects
// of handled messages (their replies) without their mark, and handled them
// again from the client's resend. (The Redis store may hold a mark up to 2 ms
// to write it with other connections' marks, redis/marks.ts; the inbox still
// waits for it before it handles more.)
import { turnBudget } from "./turn-budget.js";

/** One piece of inbound work that is not a frame: a promise when it has to wait for something. */
export type Step = () => Promise<void> | void;

/** Compact the array once this many handled slots lead it (a long burst on one connection). */
const COMPACT_AT = 1_024;
const settled: Promise<void> = Promise.resolve();

/**
 * The inbound queue of a connection, as its base class: its fields live in
 * the connection's own object (one object fewer per idle connection, whose
 * memory counts), and the connection implements what the loop asks of it.
 */
export abstract class Inbox {
  /** The queue, only while there is work: an idle connection holds no array. */
  #items: (string | Step | undefined)[] | undefined;
  #head = 0;
  #running: Promise<void> | undefined;

  /** Handles a frame's text, or runs a step; a promise only when it has to wait. */
  protected abstract handle(item: string | Step): Promise<void> | void;
  /** After each item; `last`: nothing else is queued (the connection commits then, or every N). */
  protected abstract afterStep(last: boolean): Promise<void> | void;
  /** The turn's budget ran out and `queued` items wait: commit (and stop reading, when that is many). */
  protected abstract beforeWait(queued: number): Promise<void> | void;
  /** The queue ran dry: read again. */
  protected abstract drained(): void;
  /** An item (or a commit) threw or rejected. */
  protected abstract failed(error: unknown): void;

  /** Queues an item; it is handled after every item queued before it, never inside this call. */
  protected push(item: string | Step): void {
    (this.#items ??= []).push(item);
    this.#running ??= this.#drain();
  }

  /** Resolves once the queue ran dry (items queued meanwhile included). */
  protected idle(): Promise<void> {
    return this.#running ?? settled;
  }

  async #drain(): Promise<void> {
    // the caller (receive, end) finishes its own synchronous work first
    await undefined;
    const items = this.#items as (string | Step | undefined)[];
    while (this.#head < items.length) {
      const wait = turnBudget();
      if (wait) {
        const committing = this.#guard(() => this.beforeWait(items.length - this.#head));
        if (committing) await committing;
        await wait;
        // counted again in the turn it goes on in
        continue;
      }
      const item = items[this.#head] as string | Step;
      items[this.#head++] = undefined;
      const pending = this.#guard(() => {
        const handling = this.handle(item);
        if (!handling) return this.afterStep(this.#head === items.length);
        // the queue may have grown while the item waited
        return handling.then(() => this.afterStep(this.#head === items.length));
      });
      if (pending) await pending;
      if (this.#head === items.length) {
        items.length = 0;
        this.#head = 0;
      } else if (this.#head >= COMPACT_AT) {
        items.splice(0, this.#head);
        this.#head = 0;
      }
    }
    this.#items = undefined;
    this.#head = 0;
    this.#running = undefined;
    this.drained();
  }

  /** Runs `work`; waits only when it returned a promise; a failure goes to the owner, the loop goes on. */
  #guard(work: () => Promise<void> | void): Promise<void> | void {
    let pending: Promise<void> | void;
    try {
      pending = work();
    } catch (error) {
      return this.failed(error);
    }
    if (pending) return pending.then(undefined, (error: unknown) => this.failed(error));
  }
}
