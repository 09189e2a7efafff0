import type { ResolvedQueue } from "./options.js";

/** One queued message: what the user passed, what goes on the wire, and when. */
export interface QueueEntry<T> {
  readonly message: T;
  readonly wire: string | ArrayBuffer | Uint8Array;
  readonly at: number;
  /** Acknowledged delivery only: the message's sequence number in its session. */
  readonly seq?: number;
}

export type PushResult<T> =
  | { readonly kind: "queued"; readonly dropped?: QueueEntry<T> }
  | { readonly kind: "dropped" }
  | { readonly kind: "full" };

/**
 * A bounded FIFO with an overflow policy and a time to live. Pure: time is
 * passed in, and dropped entries are returned for the caller to report.
 */
export class OutboundQueue<T> {
  #items: QueueEntry<T>[] = [];
  #head = 0;
  readonly #options: ResolvedQueue;

  constructor(options: ResolvedQueue) {
    this.#options = options;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an entry, applying `overflow` when the queue holds `max` already. */
  push(entry: QueueEntry<T>): PushResult<T> {
    if (this.size < this.#options.max) {
      this.#items.push(entry);
      return { kind: "queued" };
    }
    switch (this.#options.overflow) {
      case "drop-newest":
        return { kind: "dropped" };
      case "error":
        return { kind: "full" };
      case "drop-oldest": {
        this.#items.push(entry);
        // max 0 leaves nothing to drop but the entry itself
        const dropped = this.shift();
        return dropped === entry ? { kind: "dropped" } : { kind: "queued", ...(dropped && { dropped }) };
      }
    }
  }

  shift(): QueueEntry<T> | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const entry = this.#items[this.#head++];
    // compact now and then instead of Array#shift on every call (O(n) each)
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  peek(): QueueEntry<T> | undefined {
    return this.#items[this.#head];
  }

  /** The entry `index` places behind the head. */
  at(index: number): QueueEntry<T> | undefined {
    return this.#items[this.#head + index];
  }

  /** Removes and returns every entry older than `ttl` at time `now`. */
  expire(now: number): QueueEntry<T>[] {
    const expired: QueueEntry<T>[] = [];
    if (this.#options.ttl === Infinity) return expired;
    // entries are in arrival order, so the old ones are all at the front
    for (let head = this.peek(); head && now - head.at >= this.#options.ttl; head = this.peek()) {
      expired.push(this.shift()!);
    }
    return expired;
  }

  messages(): T[] {
    return this.#items.slice(this.#head).map((entry) => entry.message);
  }
}
