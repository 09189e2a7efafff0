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
// again from the client's resend.
import { turnBudget } from "./turn-budget.js";

/** One piece of inbound work that is not a frame: a promise when it has to wait for something. */
export type Step = () => Promise<void> | void;

/** What the inbox asks of its connection. */
export interface InboxOwner {
  /** Handles a frame's text, or runs a step; a promise only when it has to wait. */
  handle(item: string | Step): Promise<void> | void;
  /** After each item; `last`: nothing else is queued (the connection commits then, or every N). */
  afterStep(last: boolean): Promise<void> | void;
  /** The turn's budget ran out and items are queued: commit, and stop reading for now. */
  beforeWait(): Promise<void> | void;
  /** The queue ran dry: read again. */
  drained(): void;
  /** An item (or a commit) threw or rejected. */
  failed(error: unknown): void;
}

/** Compact the array once this many handled slots lead it (a long burst on one connection). */
const COMPACT_AT = 1_024;
const settled: Promise<void> = Promise.resolve();

export class Inbox {
  readonly #owner: InboxOwner;
  /** The queue, only while there is work: an idle connection holds no array (memory per connection counts). */
  #items: (string | Step | undefined)[] | undefined;
  #head = 0;
  #running: Promise<void> | undefined;

  constructor(owner: InboxOwner) {
    this.#owner = owner;
  }

  /** Queues an item; it is handled after every item queued before it, never inside this call. */
  push(item: string | Step): void {
    (this.#items ??= []).push(item);
    this.#running ??= this.#drain();
  }

  /** Resolves once the queue ran dry (items queued meanwhile included). */
  idle(): Promise<void> {
    return this.#running ?? settled;
  }

  async #drain(): Promise<void> {
    // the caller (receive, end) finishes its own synchronous work first
    await undefined;
    const owner = this.#owner;
    const items = this.#items as (string | Step | undefined)[];
    while (this.#head < items.length) {
      const wait = turnBudget();
      if (wait) {
        const committing = this.#guard(() => owner.beforeWait());
        if (committing) await committing;
        await wait;
        // counted again in the turn it goes on in
        continue;
      }
      const item = items[this.#head] as string | Step;
      items[this.#head++] = undefined;
      const pending = this.#guard(() => {
        const handling = owner.handle(item);
        if (!handling) return owner.afterStep(this.#head === items.length);
        // the queue may have grown while the item waited
        return handling.then(() => owner.afterStep(this.#head === items.length));
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
    owner.drained();
  }

  /** Runs `work`; waits only when it returned a promise; a failure goes to the owner, the loop goes on. */
  #guard(work: () => Promise<void> | void): Promise<void> | void {
    let pending: Promise<void> | void;
    try {
      pending = work();
    } catch (error) {
      return this.#owner.failed(error);
    }
    if (pending) return pending.then(undefined, (error: unknown) => this.#owner.failed(error));
  }
}
