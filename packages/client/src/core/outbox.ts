// The outbound queue: what send() accepted while the line was down (or
// while a feature held it back), flushed in order before anything newer.
import { LifelineError, describe } from "./errors.js";
import type { Meta } from "./extension.js";
import type { Codec, ResolvedQueue } from "./options.js";
import type { StandardSchemaV1 } from "./schema.js";
import { describeIssues } from "./schema.js";

/** One message on its way out: what the user passed, its encoded frame, when, and what features attached. */
export interface Entry<T = unknown> {
  readonly message: T;
  readonly wire: string | ArrayBuffer | Uint8Array;
  /** When it was queued (set by the queue's owner when it queues it). */
  at: number;
  readonly meta?: Meta | undefined;
}

export type PushResult<T> =
  | { readonly kind: "queued"; readonly dropped?: Entry<T> }
  | { readonly kind: "dropped" }
  | { readonly kind: "full" };

/**
 * A bounded FIFO with an overflow policy and a time to live. Pure: time is
 * passed in, and dropped entries are returned for the caller to report.
 */
export class OutboundQueue<T> {
  #items: Entry<T>[] = [];
  #head = 0;
  readonly #options: ResolvedQueue;

  constructor(options: ResolvedQueue) {
    this.#options = options;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an entry, applying `overflow` when the queue holds `max` already. */
  push(entry: Entry<T>): PushResult<T> {
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

  shift(): Entry<T> | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const entry = this.#items[this.#head++];
    // compact now and then instead of Array#shift on every call (O(n) each)
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  peek(): Entry<T> | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns every entry older than `ttl` at time `now`. */
  expire(now: number): Entry<T>[] {
    const expired: Entry<T>[] = [];
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

/** The `outgoing` schema's output for `message`; throws `INVALID_MESSAGE` (nothing is sent or queued). */
export function checkOutgoing(schema: StandardSchemaV1 | undefined, message: unknown): unknown {
  if (!schema) return message;
  const result = schema["~standard"].validate(message);
  if (result instanceof Promise) throw new LifelineError("INVALID_MESSAGE", "the outgoing schema must validate synchronously");
  if (result.issues) throw new LifelineError("INVALID_MESSAGE", `the message does not match its schema: ${describeIssues(result.issues)}`, { cause: result.issues });
  return result.value;
}

/** The frame for a value; throws `INVALID_MESSAGE` when the codec cannot encode it. */
export function encode(codec: Codec, value: unknown): string | ArrayBuffer | Uint8Array {
  try {
    return codec.encode(value);
  } catch (cause) {
    throw new LifelineError("INVALID_MESSAGE", `could not encode the message: ${describe(cause)}`, { cause });
  }
}
