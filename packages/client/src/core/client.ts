// The client: the conductor of the core's concerns. It holds the one socket
// and the phase, and wires the socket's events to the phase machine
// (phases.ts), retry policy (retry.ts), heartbeat (heartbeat.ts), queue
// (outbox.ts), incoming pipeline (incoming.ts) and events (events.ts).
// Opt-in features plug in through extension.ts and nothing else.
import { isOnline, watchBrowser } from "./browser.js";
import { LifelineError, closedError, describe } from "./errors.js";
import { Events } from "./events.js";
import type { Handler } from "./events.js";
import { EXTEND } from "./extension.js";
import type { Extension, Line, Meta } from "./extension.js";
import { isDead, untilPing } from "./heartbeat.js";
import { InOrder, UNREADABLE, check, decode } from "./incoming.js";
import { iterate } from "./iterate.js";
import { resolveOptions } from "./options.js";
import type { ClientOptions, CloseInfo, Feature, Frame, ResolvedHeartbeat, ResolvedOptions, WebSocketLike } from "./options.js";
import { OutboundQueue, checkOutgoing, encode } from "./outbox.js";
import type { Entry } from "./outbox.js";
import { publicState, transition } from "./phases.js";
import type { Phase, State, Transition } from "./phases.js";
import { advisedDelay, backoffDelay } from "./retry.js";
import type { InferInput, InferOutput, StandardSchemaV1 } from "./schema.js";
import { closeCode, frameData, listen, listenWhileOpen, releaseSocket } from "./socket.js";
import type { SocketEvent } from "./socket.js";
import { checkUrl, redactIn, redactUrl } from "./url.js";

/** `state` event: the public state changed. */
export interface StateChange {
  readonly from: State;
  readonly to: State;
}

/** `close` event: a socket ended (a failed attempt included). */
export interface CloseEvent extends CloseInfo {
  /** Whether the client will try again (false after `close()` or when giving up). */
  readonly willReconnect: boolean;
}

/** Every event of a client and its payload. */
export interface ClientEvents<In = unknown, Out = unknown> {
  state: StateChange;
  /** `attempt` counts attempts since the last stable connection: 1 for the first, n + 1 after n retries. */
  open: { readonly attempt: number };
  close: CloseEvent;
  reconnecting: { readonly attempt: number; readonly delay: number };
  message: In;
  invalid: { readonly data: unknown; readonly error: LifelineError };
  heartbeat: { readonly rtt: number };
  drop: { readonly message: Out; readonly reason: "overflow" | "expired" };
  /** With `atLeastOnce()`: the server confirmed these messages (one event per cumulative ack). */
  delivered: { readonly messages: readonly Out[]; readonly seq: number };
  /** With `atLeastOnce()`: the server lost the session; the client started a fresh one and resends what it holds. */
  reset: { readonly reason: string };
  error: LifelineError;
}

/** What `send()` did with the message. */
export type SendResult = "sent" | "queued" | "dropped";

/** The `type` values of a discriminated union of messages. */
export type MessageType<In> = In extends { readonly type: infer T } ? (T extends string | number ? T : never) : never;

/** A lifeline client. Create one with {@link createClient}. */
export interface Client<In = unknown, Out = unknown> {
  /** The current state. */
  readonly state: State;
  /** The last heartbeat round trip in ms, `undefined` before the first pong. */
  readonly latency: number | undefined;
  /** Messages not yet sent (with `atLeastOnce()`, not yet acknowledged), oldest first, as passed to `send()`. */
  readonly pending: readonly Out[];
  /** Sends now when open, otherwise queues. Throws `INVALID_MESSAGE` or `QUEUE_FULL`. */
  send(message: Out): SendResult;
  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof ClientEvents<In, Out>>(type: K, handler: (event: ClientEvents<In, Out>[K]) => void): () => void;
  /** Unsubscribes a handler given to `on()`. */
  off<K extends keyof ClientEvents<In, Out>>(type: K, handler: (event: ClientEvents<In, Out>[K]) => void): void;
  /** Subscribes to messages whose `type` is `type`, narrowed to that member of the union. */
  onType<T extends MessageType<In>>(type: T, handler: (message: Extract<In, { readonly type: T }>) => void): () => void;
  /** Resolves at the next `open` (at once when open); rejects with `CLOSED` if the client closes first. */
  opened(): Promise<void>;
  /** Starts connecting from `idle` or `closed`; does nothing otherwise. */
  connect(): void;
  /** Drops the current socket (if any) and tries again at once. */
  reconnect(): void;
  /** Stops for good (until `connect()`); queued messages are kept. `code` must be 1000 or 3000–4999. */
  close(code?: number, reason?: string): void;
  /** Validated messages, across reconnects, until the client closes. */
  [Symbol.asyncIterator](): AsyncIterableIterator<In>;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

const ABNORMAL = 1006;
const OPEN = 1;
/** While offline, how often `navigator.onLine` is re-read at most (a drawn delay of 0 would otherwise spin). */
const OFFLINE_RECHECK_MS = 1_000;

// `Symbol.dispose` is missing in older runtimes; `using` then falls back to these.
const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);
const asyncDisposeSymbol: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/** Shared by every client without features, so such a client allocates no list of its own. */
const NONE: Extension[] = [];

const lostWith = (code: number, reason: string, wasClean = false): CloseInfo => ({ code, reason, wasClean });

// A class so its methods live once on the prototype: a closure per method
// per client costs kilobytes per connection (measured by the memory bench).
class LifelineClient<I, O> implements Client<I, O> {
  readonly #o: ResolvedOptions;
  readonly #events = new Events();
  #queue: OutboundQueue<O> | undefined;
  #phase: Phase = "idle";
  /** The current phase's one timer (see phases.ts), and when it is due. */
  #timer: unknown;
  #due = 0;
  /** The one socket open or opening; never more than one. */
  #socket: WebSocketLike | undefined;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
  /** Bumped whenever a socket is let go, so a url that resolves late for an abandoned attempt is ignored. */
  #token = 0;
  #delay = 0;
  #openedAt = 0;
  #heard = 0;
  #pingAt = 0;
  #secondPing = false;
  #latency: number | undefined;
  #waiters: Array<{ resolve(): void; reject(error: LifelineError): void }> | undefined;
  #unwatch: (() => void) | undefined;
  #order: InOrder | undefined;
  #features: Extension[] = NONE;
  #line: Line | undefined;

  constructor(options: ClientOptions<any, any>) {
    const o = (this.#o = resolveOptions(options));
    for (const feature of [o.share, o.delivery]) if (feature) this[EXTEND](feature);
    if (o.autoConnect) this.connect();
  }

  // ---- public surface -----------------------------------------------------

  get state(): State {
    return publicState(this.#phase);
  }

  get latency(): number | undefined {
    return this.#latency;
  }

  get pending(): readonly O[] {
    this.#events.batch(() => this.#expire());
    return [...this.#features.flatMap((x) => x.pending?.() ?? []), ...(this.#queue?.messages() ?? [])] as O[];
  }

  send(message: O): SendResult {
    return this.#send(message);
  }

  on(type: string, handler: Handler): () => void {
    this.#events.on(type, handler);
    return () => this.off(type, handler);
  }

  off(type: string, handler: Handler): void {
    this.#events.off(type, handler);
  }

  onType(type: unknown, handler: Handler): () => void {
    return this.on("message", (message: { type?: unknown } | null) => message?.type === type && handler(message));
  }

  opened(): Promise<void> {
    if (this.#isOpen()) return Promise.resolve();
    if (this.#phase === "closed") return Promise.reject(closedError());
    return new Promise((resolve, reject) => (this.#waiters ??= []).push({ resolve, reject }));
  }

  connect(): void {
    this.#events.batch(() => {
      if (this.#phase !== "idle" && this.#phase !== "closed") return;
      this.#retries = 0;
      for (const x of this.#features) x.start?.();
      this.#unwatch?.();
      // `online`, or the page becoming visible, cuts a pending backoff short
      this.#unwatch = watchBrowser(() => this.#events.batch(() => this.#phase === "waiting" && this.#attempt("attempt")));
      this.#attempt("connect");
    });
  }

  reconnect(): void {
    this.#events.batch(() => {
      if (this.#phase === "idle" || this.#phase === "closed") return this.connect();
      if (this.#socket) this.#events.emit("close", { ...lostWith(1000, "reconnect", true), willReconnect: true });
      this.#attempt("attempt");
    });
  }

  close(code = 1000, reason = ""): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new LifelineError("INVALID_OPTIONS", `close code must be 1000 or 3000–4999, got ${describe(code)}`);
    }
    this.#events.batch(() => {
      if (this.#isOpen()) for (const x of this.#features) x.closing?.();
      const hadSocket = this.#socket !== undefined;
      this.#release(code, reason);
      if (this.#phase === "closed") return;
      if (hadSocket) this.#events.emit("close", { ...lostWith(code, reason, true), willReconnect: false });
      this.#stop();
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<I> {
    return iterate<I>(this);
  }

  [disposeSymbol](): void {
    this.close();
  }

  async [asyncDisposeSymbol](): Promise<void> {
    this.close();
  }

  /** Plugs a feature in (see extension.ts). @internal */
  [EXTEND](feature: Feature): Extension {
    const x = feature(this.#lend());
    this.#features = [...this.#features, x];
    return x;
  }

  // ---- phases and their timers (phases.ts) --------------------------------

  #isOpen(): boolean {
    return this.#phase === "open" || this.#phase === "pinging";
  }

  /** Moves the machine; the phase left takes its timer with it, the phase entered arms its own. */
  #go(event: Transition, delay = 0): boolean {
    const next = transition(this.#phase, event);
    if (!next) return false;
    const { clock, heartbeat } = this.#o;
    clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const from = publicState(this.#phase);
    this.#phase = next;
    const ms =
      next === "connecting" || next === "retrying"
        ? this.#o.connectTimeout
        : next === "waiting"
          ? delay
          : heartbeat && (next === "open" ? heartbeat.interval : next === "pinging" && heartbeat.timeout);
    if (ms !== false) this.#arm(ms);
    const to = publicState(next);
    if (from !== to) this.#events.emit("state", { from, to });
    return true;
  }

  #arm(ms: number): void {
    const { clock } = this.#o;
    this.#due = clock.now() + ms;
    this.#timer = clock.setTimeout(this.#fire, ms);
  }

  /** The phase's timer fired: connect timeout, end of the backoff wait, heartbeat interval or heartbeat timeout. */
  #fire = () =>
    this.#events.batch(() => {
      this.#timer = undefined;
      const now = this.#o.clock.now();
      switch (this.#phase) {
        case "connecting":
        case "retrying":
          return this.#lost(lostWith(ABNORMAL, "connect timeout"));
        case "waiting":
          // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
          return isOnline() ? this.#attempt("attempt") : this.#arm(Math.max(this.#delay, OFFLINE_RECHECK_MS));
        case "open": {
          const wait = untilPing(this.#o.heartbeat as ResolvedHeartbeat, now, this.#due, this.#heard);
          return wait ? this.#arm(wait) : this.#ping(false);
        }
        case "pinging":
          return isDead(now, this.#due, this.#secondPing) ? this.#lost(lostWith(ABNORMAL, "heartbeat timeout"), true) : this.#ping(true);
      }
    });

  #ping(second: boolean): void {
    this.#pingAt = this.#o.clock.now();
    this.#secondPing = second;
    this.#write((this.#o.heartbeat as ResolvedHeartbeat).ping);
    // the timeout runs even when the ping could not go out: the line is then given up as for any silence
    this.#go("ping");
  }

  // ---- the socket (socket.ts) ---------------------------------------------

  #attempt(event: Transition): void {
    this.#release();
    if (!this.#go(event)) return;
    const token = this.#token;
    const { url } = this.#o;
    let target: string | URL | Promise<string | URL>;
    try {
      target = typeof url === "function" ? url() : url;
    } catch (cause) {
      return this.#urlFailed(cause);
    }
    if (typeof (target as Promise<unknown> | null)?.then === "function") {
      (target as Promise<string | URL>).then(
        (resolved) => token === this.#token && this.#events.batch(() => this.#open(resolved)),
        (cause: unknown) => token === this.#token && this.#events.batch(() => this.#urlFailed(cause)),
      );
    } else this.#open(target as string | URL);
  }

  #open(url: string | URL): void {
    if (this.#phase !== "connecting" && this.#phase !== "retrying") return;
    let href: string | undefined;
    try {
      href = checkUrl(url, "URL_ERROR");
      const { WebSocket, protocols } = this.#o;
      let supplied: WebSocketLike | undefined;
      for (const x of this.#features) supplied ??= x.socket?.(href, protocols);
      this.#socket = listen(supplied ?? new WebSocket(href, protocols), this.#listener);
    } catch (cause) {
      if (href === undefined || cause instanceof LifelineError) return this.#urlFailed(cause);
      // the runtime's error may quote the URL (browsers do): pass on what it says, not the secrets in it,
      // and keep it as the cause only when it quotes none
      const said = redactIn(describe(cause), href);
      this.#urlFailed(new LifelineError("URL_ERROR", `cannot open a WebSocket to ${redactUrl(href)}: ${said}`, said === describe(cause) ? { cause } : undefined));
    }
  }

  #urlFailed(cause: unknown): void {
    this.#events.emit("error", cause instanceof LifelineError ? cause : new LifelineError("URL_ERROR", `the url function failed: ${describe(cause)}`, { cause }));
    this.#lost(lostWith(ABNORMAL, "url error"));
  }

  /**
   * Listens to the socket: one function per client, for every socket it
   * opens. A function, not the client as a `handleEvent` object: Node's
   * EventTarget wraps an object's `handleEvent` in an async function called
   * per event (~0.2 µs per message) and keeps a wrapper per registration.
   */
  readonly #listener = (event: SocketEvent): void => {
    // late events of a socket already let go are ignored
    if (event.target !== undefined && event.target !== this.#socket) return;
    if (event.type === "message") return this.#receive(event.data);
    this.#events.batch(() =>
      event.type === "open"
        ? this.#opened()
        : // Node 22 fires only `error` for a refused attempt, and browsers fire
          // `error` just before an abnormal `close`: either way the socket is finished.
          this.#lost(event.type === "close" ? lostWith(closeCode(event.code), String(event.reason ?? ""), Boolean(event.wasClean)) : lostWith(ABNORMAL, "")),
    );
  };

  #opened(): void {
    listenWhileOpen(this.#socket!, this.#listener);
    const attempt = this.#retries + 1;
    this.#go("opened");
    this.#openedAt = this.#heard = this.#o.clock.now();
    for (const x of this.#features) x.open?.();
    this.#flush();
    // a handshake or the flush may have found the socket dead already
    if (!this.#isOpen()) return;
    this.#events.emit("open", { attempt });
    for (const waiter of this.#waiters?.splice(0) ?? []) waiter.resolve();
  }

  /** Stops listening to the current socket and closes it; a connection that lasted `resetAfter` was stable, so the retry count starts over. */
  #release(code = 1000, reason = ""): void {
    if (this.#isOpen() && this.#o.clock.now() - this.#openedAt >= this.#o.backoff.resetAfter) this.#retries = 0;
    this.#token++;
    const ws = this.#socket;
    if (!ws) return;
    // forgotten first: a socket that dispatches `close` from inside close() (no standard one does) is already stale
    this.#socket = undefined;
    releaseSocket(ws, this.#listener, code, reason);
    for (const x of this.#features) x.lost?.();
  }

  /** The socket failed, closed, timed out or was declared dead (`force`: reconnect whatever the policy says). */
  #lost(info: CloseInfo, force = false): void {
    this.#release(1000, info.reason === "heartbeat timeout" ? info.reason : "");
    const o = this.#o;
    const retry = ++this.#retries;
    let again = force;
    if (!force) {
      try {
        again = o.shouldReconnect(info);
      } catch (cause) {
        this.#events.emit("error", new LifelineError("HANDLER_ERROR", `shouldReconnect threw: ${describe(cause)}`, { cause }));
      }
    }
    const willReconnect = again && retry <= o.maxRetries;
    this.#events.emit("close", { ...info, willReconnect });
    if (!willReconnect) return this.#stop();
    // a server under load may ask for a longer wait (1013 with retryAfter): at least that, plus the jittered delay
    const delay = (this.#delay = advisedDelay(info) + backoffDelay(o.backoff, retry, o.random));
    this.#go("wait", delay);
    this.#events.emit("reconnecting", { attempt: retry, delay });
  }

  #stop(): void {
    if (!this.#go("stop")) return;
    this.#unwatch?.();
    this.#unwatch = undefined;
    for (const x of this.#features) x.stop?.();
    for (const waiter of this.#waiters?.splice(0) ?? []) waiter.reject(closedError());
  }

  // ---- incoming (incoming.ts) ---------------------------------------------

  #receive(data: unknown): void {
    const heartbeat = this.#o.heartbeat;
    if (heartbeat) {
      // any frame proves the line is alive
      const now = (this.#heard = this.#o.clock.now());
      if (this.#phase === "pinging") {
        this.#go("heard");
        if (data === heartbeat.pong) this.#events.emit("heartbeat", { rtt: (this.#latency = now - this.#pingAt) });
      }
      if (data === heartbeat.ping) return void this.#write(heartbeat.pong);
      if (data === heartbeat.pong) return;
    }
    if (typeof data !== "string") {
      data = frameData(data);
      // a Blob: only when something reset binaryType; read it in order
      if (typeof (data as Blob | null)?.arrayBuffer === "function") return this.#later(() => (data as Blob).arrayBuffer().then((buffer) => this.#read(buffer)));
    }
    const order = this.#order;
    if (order?.busy) return order.then(() => this.#read(data));
    const pending = this.#read(data);
    // an asynchronous schema: frames after this one wait for it
    if (pending) this.#later(() => pending);
  }

  #later(step: () => unknown): void {
    (this.#order ??= new InOrder((cause) => this.#events.emit("error", new LifelineError("HANDLER_ERROR", `reading a message failed: ${describe(cause)}`, { cause })))).then(step);
  }

  #read(data: unknown): void | Promise<void> {
    const value = decode(this.#events, this.#o.codec, data as string | ArrayBuffer);
    if (value !== UNREADABLE) return this.#pass(0, data, value);
  }

  /** Hands a value to the features in turn (each may consume it), then validates it and emits `message`. */
  #pass(index: number, data: unknown, value: unknown, re?: unknown): void | Promise<void> {
    const x = this.#features[index];
    if (!x) return check(this.#events, data, value, this.#o.incoming);
    const next = (v: unknown, r?: unknown) => this.#pass(index + 1, data, v, r);
    return x.receive ? x.receive(data, value, next, re) : next(value, re);
  }

  // ---- outgoing (outbox.ts) -----------------------------------------------

  #send(message: O, meta?: Meta): SendResult {
    let value = checkOutgoing(this.#o.outgoing, message);
    for (const x of this.#features) if (x.outgoing) value = x.outgoing(value, meta);
    const entry: Entry<O> = { message, wire: encode(this.#o.codec, value), at: 0, meta };
    // what waited goes first; a socket that refuses the frame is finished and the message waits for the next one
    if (this.#isOpen() && !this.#queue?.size && this.#transmit(entry)) return "sent";
    return this.#events.batch(() => this.#enqueue(entry));
  }

  /** Writes a frame to the open socket; false (and a reconnect) if the socket refuses it. */
  #write(frame: Frame): boolean {
    const ws = this.#socket!;
    // the server's close frame is in but its `close` event is not: the frame stays queued for the next line
    // (and a browser would log an error for the write), while the event still brings the server's code
    if (ws.readyState > OPEN) return false;
    try {
      ws.send(frame);
      return true;
    } catch {
      this.#events.batch(() => this.#lost(lostWith(ABNORMAL, "send failed")));
      return false;
    }
  }

  #transmit(entry: Entry<O>): boolean {
    for (const x of this.#features) if (x.transmit) return x.transmit(entry);
    return this.#write(entry.wire);
  }

  #enqueue(entry: Entry<O>): SendResult {
    const o = this.#o;
    const queue = (this.#queue ??= new OutboundQueue<O>(o.queue));
    this.#expire();
    entry.at = o.clock.now();
    const result = queue.push(entry);
    if (result.kind === "full") throw new LifelineError("QUEUE_FULL", `queue.max (${o.queue.max}) reached and queue.overflow is "error"`);
    const dropped = result.kind === "dropped" ? entry : result.dropped;
    if (dropped) this.#events.emit("drop", { message: dropped.message, reason: "overflow" });
    return result.kind;
  }

  #expire(): void {
    for (const entry of this.#queue?.expire(this.#o.clock.now()) ?? []) this.#events.emit("drop", { message: entry.message, reason: "expired" });
  }

  #flush(): void {
    this.#expire();
    const queue = this.#queue;
    for (let entry = queue?.peek(); entry && this.#isOpen() && this.#transmit(entry); entry = queue!.peek()) queue!.shift();
  }

  /** What the core lends its features (extension.ts); made once, when the first feature plugs in. */
  #lend(): Line {
    const client = this;
    return (this.#line ??= {
      options: this.#o,
      events: this.#events,
      get isOpen() {
        return client.#isOpen();
      },
      get framed() {
        return client.#features.some((x) => x.framed);
      },
      get queued() {
        return client.#queue?.size ?? 0;
      },
      write: (frame) => this.#write(frame),
      flush: () => this.#events.batch(() => this.#flush()),
      check: (data, value, schema, done, fail) => check(this.#events, data, value, schema, done, fail),
      send: (message, meta) => this.#send(message as O, meta),
      reconnect: () => this.reconnect(),
      claim: (value) => this.#features.some((x) => x.claim?.(value) === true),
    });
  }
}

/**
 * Creates a client that connects (unless `autoConnect: false`), reconnects
 * with jittered backoff, checks the line with a heartbeat and queues what is
 * sent while it is down. Throws `INVALID_OPTIONS` or `NO_WEBSOCKET` at once
 * for options it cannot use.
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
