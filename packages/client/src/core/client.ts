// The client as the application meets it: the connection (connection.ts,
// over attempts.ts and events.ts) plus the outbound queue, the incoming
// pipeline and the features.
//
// The lean core's plan: one object per client (a class chain, methods on
// the prototype, private fields the minifier shortens), one timer whose
// meaning is the phase; no branch for what is absent (an identity schema, a
// shared empty feature list); pure decisions in files of their own
// (retry.ts, url.ts, socket.ts, browser.ts), small ones inlined where they
// are used; options checked against the defaults table (options.ts); long
// messages in development builds only (retry.ts, heartbeat.ts). Opt-in
// features plug in through extension.ts and nothing else.
import type { Client, SendResult } from "./api.js";
import { Connection } from "./connection.js";
import { LifelineError, describe } from "./errors.js";
import type { Handler } from "./events.js";
import { EXTEND } from "./extension.js";
import { invalid } from "./incoming.js";
import { iterate } from "./iterate.js";
import { describeIssues } from "./schema.js";
import type { ClientOptions, Entry, Extension, Feature, InferInput, InferOutput, Line, Meta, Next, ResolvedOptions, StandardResult, StandardSchemaV1 } from "./types.js";

class LifelineClient<I, O> extends Connection implements Client<I, O> {
  /** What send() accepted while the line was down, oldest first (a plain array: a queue holds a few hundred at most). */
  #queue: Entry<O>[] | undefined;
  /** The last step of reading frames that wait behind a Blob or an asynchronous schema, while there is one. */
  #tail: Promise<void> | undefined;
  /** `next` of each feature's `receive`: made once per feature, so nothing is allocated per message. */
  #nexts: Next[] | undefined;

  constructor(options: ClientOptions<any, any>) {
    super(options);
    const o = this.o;
    for (const feature of [o.share, o.delivery]) if (feature) this[EXTEND](feature);
    if (o.autoConnect) this.connect();
    // the first attempt's events wait for handlers attached right after createClient returns
    this.hold();
  }

  get pending(): readonly O[] {
    this.run(() => this.#expire());
    return [...this.features.flatMap((x) => x.pending?.() ?? []), ...(this.#queue ?? []).map((entry) => entry.message)] as O[];
  }

  send(message: O, meta?: Meta): SendResult {
    // the outgoing schema (the identity schema when none is given), then the codec: nothing invalid is sent or queued
    const result = this.o.outgoing["~standard"].validate(message);
    if (result instanceof Promise) throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "the outgoing schema must validate synchronously" : "async outgoing");
    if (result.issues) {
      throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `the message does not match its schema: ${describeIssues(result.issues)}` : describeIssues(result.issues), { cause: result.issues });
    }
    let value = result.value;
    for (const x of this.features) if (x.outgoing) value = x.outgoing(value, meta);
    let wire: Entry["wire"];
    try {
      wire = this.o.codec.encode(value);
    } catch (cause) {
      throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `could not encode the message: ${describe(cause)}` : describe(cause), { cause });
    }
    const entry: Entry<O> = { message, wire, at: 0, meta };
    // what waited goes first; a socket that refuses the frame is finished and the message waits for the next one
    if (this.isOpen && !this.#queue?.length && this.#transmit(entry)) return "sent";
    return this.run(() => this.#enqueue(entry));
  }

  onType(type: unknown, handler: Handler): () => void {
    return this.on("message", (message: { type?: unknown } | null) => message?.type === type && handler(message));
  }

  [Symbol.asyncIterator](): AsyncGenerator<I, void, undefined> {
    return iterate<I>(this);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Plugs a feature in (see extension.ts). @internal */
  [EXTEND](feature: Feature): Extension {
    // the client itself is the line it lends (its members below, and write/send/reconnect/isOpen/on/off/emit)
    const x = feature(this as unknown as Line);
    const index = this.features.length;
    this.features = [...this.features, x];
    (this.#nexts ??= [])[index] = (value, re, data) => this.#pass(index + 1, data, value, re);
    return x;
  }

  // ---- incoming ----------------------------------------------------------------

  protected read(data: unknown): void {
    if (typeof data !== "string") {
      // a binary view (Bun hands out Node Buffers) as the ArrayBuffer of just its bytes
      if (ArrayBuffer.isView(data)) data = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
      // a Blob: only when something reset binaryType; read it in order
      if (typeof (data as Blob | null)?.arrayBuffer === "function") return this.#later(() => (data as Blob).arrayBuffer().then((buffer) => this.#read(buffer)));
    }
    if (this.#tail) return this.#later(() => this.#read(data));
    const pending = this.#read(data);
    // an asynchronous schema: frames after this one wait for it
    if (pending) this.#later(() => pending);
  }

  /** Runs `step` after every step queued before it; made only when the first such frame comes. */
  #later(step: () => unknown): void {
    const tail: Promise<void> = (this.#tail = (this.#tail ?? Promise.resolve())
      .then(step)
      .catch((cause) => this.emit("error", new LifelineError("HANDLER_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `reading a message failed: ${describe(cause)}` : describe(cause), { cause })))
      .then(() => {
        if (this.#tail === tail) this.#tail = undefined;
      }));
  }

  #read(data: unknown): void | Promise<void> {
    let value: unknown;
    try {
      value = this.o.codec.decode(data as string | ArrayBuffer);
    } catch (cause) {
      // undecodable: reported as `invalid`, and the connection stays up
      return void invalid(this, data, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `could not decode the message: ${describe(cause)}` : describe(cause), cause);
    }
    return this.#pass(0, data, value);
  }

  /** Hands a value to the features in turn (each may consume it), then validates it and emits `message`; `data` is what `invalid` shows. */
  #pass(index: number, data: unknown, value: unknown, re?: unknown): void | Promise<void> {
    const x = this.features[index];
    if (!x) return this.check(data, value, this.o.incoming);
    return x.receive ? x.receive(data, value, this.#nexts![index]!, re) : this.#pass(index + 1, data, value, re);
  }

  // ---- outgoing ----------------------------------------------------------------

  #transmit(entry: Entry<O>): boolean {
    return this.hook("transmit", entry) ?? this.write(entry.wire);
  }

  /** Queues an entry, applying `queue.overflow` when the queue holds `queue.max` already. */
  #enqueue(entry: Entry<O>): SendResult {
    const { max, overflow } = this.o.queue;
    const queue = (this.#queue ??= []);
    this.#expire();
    entry.at = this.o.clock.now();
    if (queue.length < max) return queue.push(entry), "queued";
    if (overflow === "error") throw new LifelineError("QUEUE_FULL", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `queue.max (${max}) reached and queue.overflow is "error"` : `queue.max ${max}`);
    // drop-oldest with max 0 leaves nothing to drop but the entry itself
    const dropped = overflow === "drop-newest" || !max ? entry : (queue.push(entry), queue.shift()!);
    this.emit("drop", { message: dropped.message, reason: "overflow" });
    return dropped === entry ? "dropped" : "queued";
  }

  /** Drops what waited longer than `queue.ttl` (they are in arrival order: the old ones are at the front). */
  #expire(): void {
    const queue = this.#queue;
    const now = this.o.clock.now();
    while (queue?.length && now - queue[0]!.at >= this.o.queue.ttl) this.emit("drop", { message: queue.shift()!.message, reason: "expired" });
  }

  /** Sends what the queue holds, as far as the line and the features let it (the Line's `flush`). @internal */
  flush(): void {
    this.run(() => {
      this.#expire();
      const queue = this.#queue;
      while (queue?.length && this.isOpen && this.#transmit(queue[0]!)) queue.shift();
    });
  }

  // ---- the Line lent to features (extension.ts): the client is it --------------

  /** @internal */
  get options(): ResolvedOptions {
    return this.o;
  }

  /** @internal */
  get events(): this {
    return this;
  }

  /** @internal */
  get framed(): boolean {
    return this.features.some((x) => x.framed);
  }

  /** @internal */
  get queued(): number {
    return this.#queue?.length ?? 0;
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
    return result instanceof Promise ? result.then((settled) => this.#settle(data, settled, done, fail)) : this.#settle(data, result, done, fail);
  }

  #settle(data: unknown, result: StandardResult<unknown>, done?: (value: unknown) => void, fail?: (error: Error) => void): void {
    if (!result.issues) return done ? done(result.value) : this.emit("message", result.value);
    // (not inside `fail?.()`: its argument would not be evaluated without a fail)
    const error = invalid(this, data, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `the message does not match its schema: ${describeIssues(result.issues)}` : describeIssues(result.issues), result.issues);
    fail?.(error);
  }

  /** @internal */
  claim(value: unknown): boolean {
    return this.features.some((x) => x.claim?.(value));
  }
}

/**
 * Creates a client that connects (unless `autoConnect: false`), reconnects
 * with jittered backoff, checks the line with a heartbeat and queues what is
 * sent while it is down. Throws `INVALID_OPTIONS` or `NO_WEBSOCKET` at once
 * for options it cannot use. Events of the first attempt are held until the
 * caller's code has run (the next microtask), so handlers attached right
 * after `createClient` returns hear them.
 *
 * @example
 * const client = createClient({ url: "wss://example.test/ws", incoming: Incoming });
 * client.onType("chat", (msg) => console.log(msg.text));
 * client.send({ type: "chat", text: "hi" });
 */
export function createClient<In extends StandardSchemaV1 = StandardSchemaV1<unknown>, Out extends StandardSchemaV1 = StandardSchemaV1<unknown>>(
  options: ClientOptions<In, Out>,
): Client<InferOutput<In>, InferInput<Out>> {
  return new LifelineClient<InferOutput<In>, InferInput<Out>>(options);
}
