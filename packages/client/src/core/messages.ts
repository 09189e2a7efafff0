// What the application sends and receives, as the base of the client
// (connection.ts adds the line: the phases, the socket; heartbeat.ts and
// client.ts the rest): send and the outbound queue, the incoming pipeline,
// onType and async iteration, and the features' plumbing (the client is the
// `Line` it lends them, see extension.ts).
import type { SendResult, State } from "./api.js";
import { LifelineError, describe } from "./errors.js";
import { Events } from "./events.js";
import type { Handler } from "./events.js";
import { EXTEND } from "./extension.js";
import { invalid } from "./incoming.js";
import { issuesMessage } from "./schema.js";
import type { Entry, Extension, Feature, Frame, Line, Meta, Next, ResolvedOptions, StandardResult, StandardSchemaV1 } from "./types.js";

/** Shared by every client without features, so such a client allocates no list of its own. */
const NONE: Extension[] = [];

export abstract class Messages extends Events {
  /** What send() accepted while the line was down, oldest first (a plain array: a queue holds a few hundred at most). */
  #queue: Entry[] | undefined;
  /** The last step of reading frames that wait behind a Blob or an asynchronous schema, while there is one. */
  #tail: Promise<void> | undefined;
  protected features = NONE;
  /** `next` of each feature's `receive`: made once per feature, so nothing is allocated per message. */
  #nexts: Next[] | undefined;

  constructor(readonly options: ResolvedOptions) {
    super();
  }

  /** True while a socket is open. */
  abstract readonly isOpen: boolean;
  /** Writes a frame to the open socket; false (and a reconnect) if it refuses. */
  abstract write(frame: Frame): boolean;
  /** The public state (iteration ends at "closed"). */
  abstract readonly state: State;

  get pending(): readonly any[] {
    this.run(() => this.#expire());
    return this.features.flatMap((x) => x.pending?.() ?? []).concat((this.#queue ?? []).map((entry) => entry.message));
  }

  send(message: unknown, meta?: Meta): SendResult {
    // the outgoing schema (the identity schema when none is given), then the codec: nothing invalid is sent or queued
    const result = this.options.outgoing["~standard"].validate(message);
    if (result instanceof Promise) throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "the outgoing schema must validate synchronously" : "async outgoing");
    if (result.issues) {
      throw new LifelineError("INVALID_MESSAGE", issuesMessage(result.issues), { cause: result.issues });
    }
    let value = result.value;
    for (const x of this.features) if (x.outgoing) value = x.outgoing(value, meta);
    let wire: Entry["wire"];
    try {
      wire = this.options.codec.encode(value);
    } catch (cause) {
      throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `could not encode the message: ${describe(cause)}` : describe(cause), { cause });
    }
    const entry: Entry = { message, wire, at: 0, meta };
    // what waited goes first; a socket that refuses the frame is finished and the message waits for the next one
    return this.isOpen && !this.#queue?.length && this.#transmit(entry) ? "sent" : this.run(() => this.#enqueue(entry));
  }

  /** Plugs a feature in (see extension.ts): the client itself is the line it lends. @internal */
  [EXTEND](feature: Feature): Extension {
    const x = feature(this as unknown as Line);
    const index = this.features.length;
    this.features = [...this.features, x];
    (this.#nexts ??= [])[index] = (value, re, data) => this.#pass(index + 1, data, value, re);
    return x;
  }

  onType(type: unknown, handler: Handler): () => void {
    return this.on("message", (message: { type?: unknown } | null) => message?.type === type && handler(message));
  }

  /** Subscribed at once (nothing between this call and the first `next()` is missed); ends once the client is closed. */
  [Symbol.asyncIterator](): AsyncGenerator<any, void, undefined> {
    const buffer: unknown[] = [];
    let wake = (_?: unknown) => {};
    // a close ends the iteration even when a connect() follows before the consumer runs again
    let closed = this.state === "closed";
    const stops = [this.on("message", (message) => wake(buffer.push(message))), this.on("state", ({ to }: { to: string }) => wake((closed ||= to === "closed")))];
    return (async function* () {
      try {
        while (buffer.length || !closed) buffer.length ? yield buffer.shift()! : await new Promise((resolve) => (wake = resolve));
      } finally {
        stops.map((stop) => stop());
      }
    })();
  }

  /**
   * Calls hook `name` of every feature in turn, until one gives a result
   * (not undefined), which is returned: the socket a feature supplies, or
   * whether the feature that transmits wrote the entry.
   */
  protected hook<K extends keyof Extension>(name: K, a?: unknown, b?: unknown): any {
    for (const x of this.features) {
      const result = (x[name] as ((a: unknown, b: unknown) => unknown) | undefined)?.(a, b);
      if (result !== undefined) return result;
    }
  }

  // ---- incoming ----------------------------------------------------------------

  /** An application frame came in: read now, or after the frames waiting behind a Blob or an asynchronous schema. */
  protected read(data: unknown): void {
    // a binary view (Bun hands out Node Buffers, pooled) as the ArrayBuffer of just its bytes, copied now
    // (a text frame, the common case, skips both binary checks here and in #read)
    if (typeof data !== "string" && ArrayBuffer.isView(data)) data = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const tail = this.#tail;
    const step = tail ? tail.then(() => this.#read(data)) : this.#read(data);
    if (step) {
      const next: Promise<void> = (this.#tail = step
        .catch((cause) => this.emit("error", new LifelineError("HANDLER_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `reading a message failed: ${describe(cause)}` : describe(cause), { cause })))
        .then(() => {
          if (this.#tail === next) this.#tail = undefined;
        }));
    }
  }

  /** Decodes a frame and hands it on; a promise for a Blob (only when something reset binaryType) or an asynchronous schema. */
  #read(data: unknown): void | Promise<void> {
    if (typeof data !== "string" && typeof (data as Blob | null)?.arrayBuffer === "function") return (data as Blob).arrayBuffer().then((buffer) => this.#read(buffer));
    let value: unknown;
    try {
      value = this.options.codec.decode(data as string | ArrayBuffer);
    } catch (cause) {
      // undecodable: reported as `invalid`, and the connection stays up
      return void invalid(this, data, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `could not decode the message: ${describe(cause)}` : describe(cause), cause);
    }
    return this.#pass(0, data, value);
  }

  /** Hands a value to the features in turn (each may consume it), then validates it and emits `message`; `data` is what `invalid` shows. */
  #pass(index: number, data: unknown, value: unknown, re?: unknown): void | Promise<void> {
    const x = this.features[index];
    if (!x) return this.check(data, value, this.options.incoming);
    return x.receive ? x.receive(data, value, this.#nexts![index]!, re) : this.#pass(index + 1, data, value, re);
  }

  /**
   * Validates `value`, then calls `done` with the schema's output (by
   * default: emits it as `message`), or reports `invalid` (showing `data`)
   * and calls `fail`. Returns a promise only for a schema that validates
   * asynchronously. @internal
   */
  check(data: unknown, value: unknown, schema: StandardSchemaV1, done?: (value: unknown) => void, fail?: (error: Error) => void): void | Promise<void> {
    const result = schema["~standard"].validate(value);
    // a method of its own, not a closure: nothing is allocated per message for a synchronous schema
    return result instanceof Promise ? result.then((settled) => this.#checked(data, settled, done, fail)) : this.#checked(data, result, done, fail);
  }

  #checked(data: unknown, result: StandardResult<unknown>, done?: (value: unknown) => void, fail?: (error: Error) => void): void {
    if (!result.issues) return done ? done(result.value) : this.emit("message", result.value);
    // (not inside `fail?.()`: its argument would not be evaluated without a fail)
    const error = invalid(this, data, issuesMessage(result.issues), result.issues);
    fail?.(error);
  }

  // ---- outgoing ----------------------------------------------------------------

  #transmit(entry: Entry): boolean {
    return this.hook("transmit", entry) ?? this.write(entry.wire);
  }

  /** Queues an entry, applying `queue.overflow` when the queue holds `queue.max` already. */
  #enqueue(entry: Entry): SendResult {
    const { max, overflow } = this.options.queue;
    const queue = (this.#queue ??= []);
    this.#expire();
    entry.at = this.options.clock.now();
    if (queue.length >= max) {
      if (overflow === "error") throw new LifelineError("QUEUE_FULL", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `queue.max (${max}) reached and queue.overflow is "error"` : `queue.max ${max}`);
      // drop-oldest with max 0 has nothing to drop but the entry itself
      const dropped = overflow === "drop-newest" || !max ? entry : queue.shift()!;
      this.emit("drop", { message: dropped.message, reason: "overflow" });
      if (dropped === entry) return "dropped";
    }
    queue.push(entry);
    return "queued";
  }

  /** Drops what waited longer than `queue.ttl` (they are in arrival order: the old ones are at the front). */
  #expire(): void {
    const queue = this.#queue;
    const now = this.options.clock.now();
    while (queue?.length && now - queue[0]!.at >= this.options.queue.ttl) this.emit("drop", { message: queue.shift()!.message, reason: "expired" });
  }

  /** Sends what the queue holds, as far as the line and the features let it (the Line's `flush`). @internal */
  flush(): void {
    this.run(() => {
      this.#expire();
      const queue = this.#queue;
      while (queue?.length && this.isOpen && this.#transmit(queue[0]!)) queue.shift();
    });
  }

  // ---- the rest of the Line lent to features (extension.ts) ---------------------

  /** @internal */
  get queued(): number {
    return this.#queue?.length ?? 0;
  }

  /** @internal */
  claim(value: unknown): boolean {
    return this.features.some((x) => x.claim?.(value));
  }
}
