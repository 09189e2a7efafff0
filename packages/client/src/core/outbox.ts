// The outbound queue: what send() accepted while the line was down (or
// while a feature held it back), flushed in order before anything newer.
import { LifelineError, describe } from "./errors.js";
import { describeIssues } from "./schema.js";
import type { Codec, Entry, ResolvedQueue, StandardSchemaV1 } from "./types.js";

export type PushResult<T> = { readonly kind: "queued"; readonly dropped?: Entry<T> } | { readonly kind: "dropped" } | { readonly kind: "full" };

/**
 * A bounded FIFO with an overflow policy and a time to live. Pure: time is
 * passed in, and dropped entries are returned for the caller to report.
 * A plain array: `shift()` on the few hundred entries a queue holds at most
 * costs less than the bytes of a ring buffer.
 */
export class OutboundQueue<T> {
  readonly items: Entry<T>[] = [];
  readonly #options: ResolvedQueue;

  constructor(options: ResolvedQueue) {
    this.#options = options;
  }

  get size(): number {
    return this.items.length;
  }

  /** Adds an entry, applying `overflow` when the queue holds `max` already. */
  push(entry: Entry<T>): PushResult<T> {
    const { max, overflow } = this.#options;
    if (this.items.length < max) return this.items.push(entry), { kind: "queued" };
    if (overflow === "error") return { kind: "full" };
    // drop-oldest with max 0 leaves nothing to drop but the entry itself
    if (overflow === "drop-newest" || max === 0) return { kind: "dropped" };
    this.items.push(entry);
    return { kind: "queued", dropped: this.items.shift()! };
  }

  shift(): Entry<T> | undefined {
    return this.items.shift();
  }

  peek(): Entry<T> | undefined {
    return this.items[0];
  }

  /** Removes and returns every entry older than `ttl` at time `now` (they are in arrival order: the old ones are at the front). */
  expire(now: number): Entry<T>[] {
    let n = 0;
    while (n < this.items.length && now - this.items[n]!.at >= this.#options.ttl) n++;
    return this.items.splice(0, n);
  }

  messages(): T[] {
    return this.items.map((entry) => entry.message);
  }
}

/** The `outgoing` schema's output for `message`; throws `INVALID_MESSAGE` (nothing is sent or queued). */
export function checkOutgoing(schema: StandardSchemaV1, message: unknown): unknown {
  const result = schema["~standard"].validate(message);
  if (result instanceof Promise) throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "the outgoing schema must validate synchronously" : "async outgoing");
  if (result.issues) throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `the message does not match its schema: ${describeIssues(result.issues)}` : describeIssues(result.issues), { cause: result.issues });
  return result.value;
}

/** The frame for a value; throws `INVALID_MESSAGE` when the codec cannot encode it. */
export function encode(codec: Codec, value: unknown): string | ArrayBuffer | Uint8Array {
  try {
    return codec.encode(value);
  } catch (cause) {
    throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `could not encode the message: ${describe(cause)}` : describe(cause), { cause });
  }
}
