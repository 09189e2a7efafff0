import mitt from "mitt";
import { backoffDelay } from "./backoff.js";
import { LifelineError, describe } from "./errors.js";
import { normalizeUrl, redactIn, redactUrl, resolveOptions } from "./options.js";
import type { ClientOptions, CloseInfo, ResolvedOptions, WebSocketLike } from "./options.js";
import { OutboundQueue } from "./queue.js";
import type { QueueEntry } from "./queue.js";
import { describeIssues } from "./schema.js";
import type { InferInput, InferOutput, StandardResult, StandardSchemaV1 } from "./schema.js";
import { publicState, transition } from "./state.js";
import type { Phase, State, Transition } from "./state.js";

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
  /** Acknowledged delivery only: the server confirmed these messages (one event per cumulative ack). */
  delivered: { readonly messages: readonly Out[]; readonly seq: number };
  error: LifelineError;
}

/** What `send()` did with the message. */
export type SendResult = "sent" | "queued" | "dropped";

/** The `type` values of a discriminated union of messages. */
export type MessageType<In> = In extends { readonly type: infer T } ? (T extends string | number ? T : never) : never;

export interface RequestOptions<Reply extends StandardSchemaV1 = StandardSchemaV1> {
  /** ms until the request rejects with `TIMEOUT`. @default the client's `requestTimeout` (10_000) */
  timeout?: number;
  /** Aborting rejects the request with `ABORTED`. */
  signal?: AbortSignal;
  /** Validates (and types) the reply instead of the client's `incoming` schema. */
  schema?: Reply;
}

/** A lifeline client. Create one with {@link createClient}. */
export interface Client<In = unknown, Out = unknown> {
  /** The current state. */
  readonly state: State;
  /** The last heartbeat round trip in ms, `undefined` before the first pong. */
  readonly latency: number | undefined;
  /** Messages not yet sent (and, with acknowledged delivery, not yet acknowledged), as passed to `send()`. */
  readonly pending: readonly Out[];
  /** Sends now when open, otherwise queues. Throws `INVALID_MESSAGE` or `QUEUE_FULL`. */
  send(message: Out): SendResult;
  /**
   * Sends `message` with a fresh `id` and resolves with the first incoming
   * message whose `re` equals that id.
   */
  request<Reply extends StandardSchemaV1 | undefined = undefined>(
    message: Out,
    options?: RequestOptions<NonNullable<Reply>> & { schema?: Reply },
  ): Promise<Reply extends StandardSchemaV1 ? InferOutput<Reply> : In>;
  /** Acknowledged delivery only: this client's session id (kept across reconnects). */
  readonly session: string | undefined;
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
/** A timer firing this much later than due means the device slept. */
const LATE_MS = 1_000;
/** While offline, how often `navigator.onLine` is re-read at most (a drawn delay of 0 would otherwise spin). */
const OFFLINE_RECHECK_MS = 1_000;

interface Pending {
  schema: StandardSchemaV1 | undefined;
  resolve(value: unknown): void;
  reject(error: LifelineError): void;
}

/** The JSON envelopes of acknowledged delivery (docs/protocol.md). */
type Envelope =
  | { t: "ack"; seq: number }
  | { t: "msg"; data: unknown; seq?: number; re?: string };

// `Symbol.dispose` is missing in older runtimes; `using` then falls back to these.
const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);
const asyncDisposeSymbol: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

function closeCode(code: unknown): number {
  // Deno reports 0 for a refused handshake; anything outside the protocol's range is "abnormal"
  return typeof code === "number" && code >= 1000 && code <= 4999 ? code : ABNORMAL;
}

function toArrayBuffer(view: ArrayBufferView): ArrayBuffer {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}

/**
 * Node's WebSocket (undici) waits for the peer's close frame with no time
 * limit, and its TCP socket holds the process open meanwhile: after close()
 * on a half-open line the process would never exit. Unref that socket (found
 * by duck typing; the close frame is already written) so a socket we let go
 * never holds the process. Elsewhere nothing matches and this does nothing.
 */
function letGo(ws: object): void {
  try {
    for (const key of Object.getOwnPropertySymbols(ws)) {
      const transport = (ws as Record<symbol, { socket?: { unref?: unknown } } | null | undefined>)[key]?.socket;
      if (typeof transport?.unref === "function") (transport.unref as () => void)();
    }
  } catch {
    // a runtime's internals are not ours: never let this break a close
  }
}

const closedError = () => new LifelineError("CLOSED", "the client is closed");

function randomId(random: () => number): string {
  let id = "";
  for (let i = 0; i < 4; i++) id += Math.floor(random() * 0x10000_0000).toString(36).padStart(7, "0");
  return id;
}

type Handler = (event: any) => void;
type Waiter = { resolve(): void; reject(error: LifelineError): void };
type SocketEvent = { type: string; data?: unknown; code?: number; reason?: string; wasClean?: boolean };

// The client is a class so its methods live once on the prototype: a closure
// per method per client cost several kB per connection (measured by the
// memory benchmark), a real cost for servers and tests that run many clients.
class LifelineClient<I, O> implements Client<I, O> {
  readonly #o: ResolvedOptions;
  readonly #emitter = mitt<Record<string, unknown>>();
  readonly #queue: OutboundQueue<O>;
  #phase: Phase = { kind: "idle" };
  /** The one socket open or opening; never more than one. */
  #socket: WebSocketLike | undefined;
  #listener: { handleEvent(event: SocketEvent): void } | undefined;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
  /** Bumped whenever a socket is let go, so a url that resolves late for an abandoned attempt is ignored. */
  #token = 0;
  #latency: number | undefined;
  #waiters: Waiter[] = [];
  #requests: Map<string, Pending> | undefined;
  /** Suffix of request ids: keeps them unique even when an injected `random` repeats itself. */
  #requestCount = 0;
  #wrappers: Map<string, Map<Function, Handler>> | undefined;
  #releaseHooks: (() => void) | undefined;

  // Timers, each owned by a phase and cleared when the phase is left:
  // connecting → connect timeout; waiting → backoff; open → resetAfter and heartbeat.
  #timer: unknown;
  /** When the open connection opened: one that lasts `resetAfter` resets the retry count. */
  #openedAt = 0;
  #beatTimer: unknown;
  #beatDue = 0;
  #awaitingPong = false;
  #recheck = false;
  #lastReceived = 0;
  #pingSentAt = 0;
  #offlineDelay = 0;

  // Acknowledged delivery: the queue then holds every message not yet
  // acknowledged; the first `inFlight` of them went out on this connection.
  readonly #acked: boolean;
  #session: string | undefined;
  #nextSeq = 1;
  #serverSeq = 0;
  #inFlight = 0;

  // Events raised while the client is mid-change are held until the change is
  // complete, so handlers (which may call back into the client) always see a
  // consistent client; events they cause are delivered after, in order.
  #depth = 0;
  #flushing = false;
  #outbox: Array<[string, unknown]> = [];
  /** Incoming frames wait here while an earlier one is still validated asynchronously, so order holds. */
  #chain: Promise<void> | undefined;

  constructor(options: ClientOptions<any, any>) {
    this.#o = resolveOptions(options);
    this.#queue = new OutboundQueue<O>(this.#o.queue);
    this.#acked = this.#o.delivery === "at-least-once";
    if (this.#acked) this.#session = randomId(this.#o.random);
    if (this.#o.autoConnect) this.connect();
  }

  // ---- public surface -----------------------------------------------------

  get state(): State {
    return publicState(this.#phase);
  }

  get latency(): number | undefined {
    return this.#latency;
  }

  get pending(): readonly O[] {
    this.#batch(() => this.#expire());
    return this.#queue.messages();
  }

  get session(): string | undefined {
    return this.#session;
  }

  send(message: O): SendResult {
    return this.#accept(message);
  }

  request(message: O, { timeout = this.#o.requestTimeout, signal, schema }: RequestOptions = {}): Promise<any> {
    return new Promise<unknown>((resolve, reject) => {
      if (signal?.aborted) return reject(new LifelineError("ABORTED", "the request was aborted", { cause: signal.reason }));
      if (this.#phase.kind === "closed") return reject(closedError());
      if (!this.#acked && (typeof message !== "object" || message === null || Array.isArray(message))) {
        return reject(new LifelineError("INVALID_MESSAGE", "request() needs an object message to carry its id"));
      }
      const requests = (this.#requests ??= new Map<string, Pending>());
      const { clock } = this.#o;
      const id = `${randomId(this.#o.random)}${(++this.#requestCount).toString(36)}`;
      const settle = () => {
        requests.delete(id);
        clock.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        settle();
        reject(new LifelineError("ABORTED", "the request was aborted", { cause: signal?.reason }));
      };
      const timer = clock.setTimeout(() => {
        settle();
        reject(new LifelineError("TIMEOUT", `no reply within ${timeout} ms`));
      }, timeout);
      requests.set(id, {
        schema,
        resolve: (reply) => (settle(), resolve(reply)),
        reject: (error) => (settle(), reject(error)),
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        this.#accept(message, id);
      } catch (error) {
        settle();
        reject(error);
      }
    });
  }

  on(type: string, handler: Handler): () => void {
    const wrappers = (this.#wrappers ??= new Map());
    let byHandler = wrappers.get(type);
    if (!byHandler) wrappers.set(type, (byHandler = new Map()));
    if (!byHandler.has(handler)) {
      const wrapped = (event: unknown) => {
        try {
          handler(event);
        } catch (cause) {
          // an error handler that throws has nowhere left to report to
          if (type !== "error") this.#report(cause, `a "${type}" handler threw`);
        }
      };
      byHandler.set(handler, wrapped);
      this.#emitter.on(type, wrapped);
    }
    return () => this.off(type, handler);
  }

  off(type: string, handler: Handler): void {
    const byHandler = this.#wrappers?.get(type);
    const wrapped = byHandler?.get(handler);
    if (wrapped) {
      byHandler!.delete(handler);
      this.#emitter.off(type, wrapped);
    }
  }

  onType(type: unknown, handler: Handler): () => void {
    return this.on("message", (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === type) handler(message);
    });
  }

  opened(): Promise<void> {
    if (this.#phase.kind === "open") return Promise.resolve();
    if (this.#phase.kind === "closed") return Promise.reject(closedError());
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  connect(): void {
    this.#batch(() => {
      const { kind } = this.#phase;
      if (kind !== "idle" && kind !== "closed") return;
      this.#retries = 0;
      if (this.#acked && kind === "closed" && this.#queue.size === 0) {
        // nothing left to deliver for the old session: start a fresh one
        this.#session = randomId(this.#o.random);
        this.#nextSeq = 1;
        this.#serverSeq = 0;
      }
      this.#attachHooks();
      this.#attempt({ type: "connect" });
    });
  }

  reconnect(): void {
    this.#batch(() => {
      const { kind } = this.#phase;
      if (kind === "idle" || kind === "closed") return this.connect();
      if (this.#socket) this.#emit("close", { code: 1000, reason: "reconnect", wasClean: true, willReconnect: true });
      this.#attempt({ type: "attempt" });
    });
  }

  close(code = 1000, reason = ""): void {
    if (typeof code !== "number" || !Number.isInteger(code) || !(code === 1000 || (code >= 3000 && code <= 4999))) {
      throw new LifelineError("INVALID_OPTIONS", `close code must be 1000 or an integer in 3000–4999, got ${describe(code)}`);
    }
    this.#batch(() => {
      const hadSocket = this.#socket !== undefined;
      this.#releaseSocket(code, reason);
      if (this.#phase.kind === "closed") return;
      if (hadSocket) this.#emit("close", { code, reason, wasClean: true, willReconnect: false });
      this.#stop();
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<I> {
    const buffer: I[] = [];
    let wake: ((result: IteratorResult<I>) => void) | undefined;
    let done = this.#phase.kind === "closed";
    const finish = () => {
      done = true;
      stopMessages();
      stopState();
      wake?.({ value: undefined, done: true });
      wake = undefined;
    };
    const stopMessages = this.on("message", (message: I) => {
      if (wake) {
        wake({ value: message, done: false });
        wake = undefined;
      } else buffer.push(message);
    });
    const stopState = this.on("state", ({ to }: StateChange) => to === "closed" && finish());
    if (done) finish();
    return {
      next: () =>
        buffer.length > 0
          ? Promise.resolve({ value: buffer.shift()!, done: false })
          : done
            ? Promise.resolve({ value: undefined, done: true })
            : new Promise((resolve) => (wake = resolve)),
      return: () => {
        buffer.length = 0;
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  [disposeSymbol](): void {
    this.close();
  }

  [asyncDisposeSymbol](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  // ---- events -------------------------------------------------------------

  #emit(type: string, payload: unknown): void {
    if (this.#depth === 0 && !this.#flushing) {
      this.#flushing = true;
      try {
        this.#emitter.emit(type, payload);
        this.#drain();
      } finally {
        this.#flushing = false;
      }
    } else {
      this.#outbox.push([type, payload]);
    }
  }

  #drain(): void {
    for (let next = this.#outbox.shift(); next; next = this.#outbox.shift()) this.#emitter.emit(next[0], next[1]);
  }

  #batch<T>(fn: () => T): T {
    this.#depth++;
    try {
      return fn();
    } finally {
      if (--this.#depth === 0 && !this.#flushing && this.#outbox.length > 0) {
        this.#flushing = true;
        try {
          this.#drain();
        } finally {
          this.#flushing = false;
        }
      }
    }
  }

  #report(cause: unknown, what: string): void {
    const detail = describe(cause);
    this.#emit("error", new LifelineError("HANDLER_ERROR", `${what}: ${detail}`, { cause }));
  }

  // ---- phases and their timers --------------------------------------------

  #go(event: Transition): boolean {
    const next = transition(this.#phase, event);
    if (!next) return false;
    const { clock } = this.#o;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    if (this.#beatTimer !== undefined) clock.clearTimeout(this.#beatTimer);
    this.#timer = this.#beatTimer = undefined;
    const from = publicState(this.#phase);
    this.#phase = next;
    const to = publicState(next);
    if (from !== to) this.#emit("state", { from, to });
    return true;
  }

  /** The phase's main timer fired: a connect timeout, or the end of a backoff wait. */
  #timerFired = () =>
    this.#batch(() => {
      this.#timer = undefined;
      if (this.#phase.kind === "connecting") this.#lost({ code: ABNORMAL, reason: "connect timeout", wasClean: false });
      else if (this.#phase.kind === "waiting") {
        // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
        if ((globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false) {
          this.#timer = this.#o.clock.setTimeout(this.#timerFired, this.#offlineDelay);
        } else this.#attempt({ type: "attempt" });
      }
    });

  // ---- sockets ------------------------------------------------------------

  /** Stops listening to the current socket and closes it; never waits for its `close` (a half-open peer may never send one). */
  #releaseSocket(code = 1000, reason = ""): void {
    this.#settleRetries();
    this.#token++;
    const ws = this.#socket;
    const listener = this.#listener;
    this.#socket = this.#listener = undefined;
    if (ws && listener) {
      for (const type of SOCKET_EVENTS) ws.removeEventListener(type, listener);
      try {
        ws.close(code, reason);
      } catch {
        // closing a socket that is already gone may throw in some runtimes; it is gone either way
      }
      letGo(ws);
    }
  }

  #attempt(event: Transition): void {
    this.#releaseSocket();
    if (!this.#go(event)) return;
    const token = this.#token;
    const o = this.#o;
    this.#timer = o.clock.setTimeout(this.#timerFired, o.connectTimeout);
    let url: string | URL | Promise<string | URL>;
    try {
      url = typeof o.url === "function" ? o.url() : o.url;
    } catch (cause) {
      return this.#urlFailed(cause);
    }
    if (typeof url === "object" && url !== null && typeof (url as Promise<unknown>).then === "function") {
      (url as Promise<string | URL>).then(
        (resolved) => token === this.#token && this.#batch(() => this.#open(resolved)),
        (cause: unknown) => token === this.#token && this.#batch(() => this.#urlFailed(cause)),
      );
    } else {
      this.#open(url as string | URL);
    }
  }

  #urlFailed(cause: unknown): void {
    const error =
      cause instanceof LifelineError
        ? cause
        : new LifelineError("URL_ERROR", `the url function failed: ${describe(cause)}`, { cause });
    this.#emit("error", error);
    this.#lost({ code: ABNORMAL, reason: "url error", wasClean: false });
  }

  #open(url: string | URL): void {
    if (this.#phase.kind !== "connecting") return;
    let ws: WebSocketLike;
    let href: string | undefined;
    try {
      href = normalizeUrl(url, "URL_ERROR");
      ws = new this.#o.WebSocket(href, this.#o.protocols);
      ws.binaryType = "arraybuffer";
    } catch (cause) {
      if (href === undefined || cause instanceof LifelineError) return this.#urlFailed(cause);
      // the runtime's error may quote the URL (browsers do): pass on what it says, not the secrets in it,
      // and keep it as the cause only when it quotes none
      const message = describe(cause);
      const said = redactIn(message, href);
      return this.#urlFailed(
        new LifelineError("URL_ERROR", `cannot open a WebSocket to ${redactUrl(href)}: ${said}`, said === message ? { cause } : undefined),
      );
    }
    // one listener object per socket: it knows its socket, so late events of a socket we let go are ignored
    const listener = { handleEvent: (event: SocketEvent) => ws === this.#socket && this.#onSocketEvent(event) };
    this.#socket = ws;
    this.#listener = listener;
    for (const type of SOCKET_EVENTS) ws.addEventListener(type, listener);
  }

  #onSocketEvent(event: SocketEvent): void {
    switch (event.type) {
      case "message":
        return this.#receive(event.data);
      case "open":
        return this.#batch(() => this.#onOpened());
      case "close":
        return this.#batch(() =>
          this.#lost({ code: closeCode(event.code), reason: String(event.reason ?? ""), wasClean: Boolean(event.wasClean) }),
        );
      default:
        // Node 22 fires only `error` for a refused attempt, and browsers fire
        // `error` just before an abnormal `close`: either way the socket is finished.
        return this.#batch(() => this.#lost({ code: ABNORMAL, reason: "", wasClean: false }));
    }
  }

  #onOpened(): void {
    const attempt = this.#retries + 1;
    const o = this.#o;
    this.#go({ type: "opened" });
    // a connection that stays up resetAfter ms is stable: the next failure starts from retry 1
    this.#openedAt = o.clock.now();
    if (o.heartbeat) {
      this.#lastReceived = o.clock.now();
      this.#awaitingPong = false;
      this.#idleCheck(o.heartbeat.interval);
    }
    if (this.#acked) {
      this.#inFlight = 0;
      if (!this.#transmit(JSON.stringify({ t: "hello", session: this.#session, ack: this.#serverSeq }))) return;
    }
    this.#flushQueue();
    // the socket may have refused the flush and been dropped already
    if (this.#phase.kind !== "open") return;
    this.#emit("open", { attempt });
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** Leaving an open connection: if it lasted `resetAfter`, it was stable and the retry count starts over (no timer needed for that). */
  #settleRetries(): void {
    if (this.#phase.kind === "open" && this.#o.clock.now() - this.#openedAt >= this.#o.backoff.resetAfter) this.#retries = 0;
  }

  /** The socket failed, closed, timed out or was declared dead. */
  #lost(info: CloseInfo, force = false): void {
    this.#releaseSocket(1000, info.reason === "heartbeat timeout" ? info.reason : "");
    this.#retries++;
    let again = force;
    if (!force) {
      try {
        again = this.#o.shouldReconnect(info);
      } catch (cause) {
        this.#report(cause, "shouldReconnect threw");
      }
    }
    const willReconnect = again && this.#retries <= this.#o.maxRetries;
    this.#emit("close", { ...info, willReconnect });
    if (willReconnect) this.#scheduleRetry();
    else this.#stop();
  }

  #scheduleRetry(): void {
    const delay = backoffDelay(this.#o.backoff, this.#retries, this.#o.random);
    this.#go({ type: "wait" });
    this.#emit("reconnecting", { attempt: this.#retries, delay });
    // while offline, navigator.onLine is re-read at this pace (a drawn delay of 0 would otherwise spin)
    this.#offlineDelay = Math.max(delay, OFFLINE_RECHECK_MS);
    this.#timer = this.#o.clock.setTimeout(this.#timerFired, delay);
  }

  #stop(): void {
    if (!this.#go({ type: "stop" })) return;
    this.#releaseHooks?.();
    this.#releaseHooks = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError());
    for (const request of [...(this.#requests?.values() ?? [])]) request.reject(closedError());
  }

  // ---- heartbeat ----------------------------------------------------------

  // The idle timer is not restarted per frame (that would cost two timer calls
  // per message); it fires once per interval and re-arms for the silence left.
  #idleCheck(ms: number): void {
    const { clock } = this.#o;
    this.#beatDue = clock.now() + ms;
    this.#beatTimer = clock.setTimeout(this.#beatFired, ms);
  }

  #beatFired = () =>
    this.#batch(() => {
      const hb = this.#o.heartbeat;
      this.#beatTimer = undefined;
      if (!hb || this.#phase.kind !== "open") return;
      const now = this.#o.clock.now();
      const late = now - this.#beatDue > LATE_MS;
      if (this.#awaitingPong) {
        this.#awaitingPong = false;
        // fired long after it was due: the device slept, so the silence proves
        // nothing yet; ask once more before declaring the line dead
        if (late && !this.#recheck) this.#ping(true);
        else this.#lost({ code: ABNORMAL, reason: "heartbeat timeout", wasClean: false }, true);
        return;
      }
      const silence = now - this.#lastReceived;
      if (late || silence >= hb.interval) this.#ping(false);
      else this.#idleCheck(hb.interval - silence);
    });

  #ping(recheck: boolean): void {
    const hb = this.#o.heartbeat;
    if (!hb || !this.#socket) return;
    const { clock } = this.#o;
    this.#pingSentAt = clock.now();
    if (!this.#transmit(hb.ping)) return;
    this.#awaitingPong = true;
    this.#recheck = recheck;
    this.#beatDue = this.#pingSentAt + hb.timeout;
    this.#beatTimer = clock.setTimeout(this.#beatFired, hb.timeout);
  }

  // ---- incoming -----------------------------------------------------------

  #receive(data: unknown): void {
    const hb = this.#o.heartbeat;
    if (hb) {
      const now = (this.#lastReceived = this.#o.clock.now());
      if (this.#awaitingPong) {
        this.#o.clock.clearTimeout(this.#beatTimer);
        this.#awaitingPong = false;
        if (data === hb.pong) {
          this.#latency = now - this.#pingSentAt;
          this.#emit("heartbeat", { rtt: this.#latency });
        }
        this.#idleCheck(hb.interval);
      }
      if (data === hb.ping) {
        this.#transmit(hb.pong);
        return;
      }
      if (data === hb.pong) return;
    }
    if (typeof data !== "string") {
      if (ArrayBuffer.isView(data)) data = toArrayBuffer(data);
      else if (typeof (data as Blob | null)?.arrayBuffer === "function") {
        // a Blob: only when something reset binaryType; read it in order
        const blob = data as Blob;
        return this.#later(() => blob.arrayBuffer().then((buffer) => this.#decode(buffer)));
      }
    }
    if (this.#chain) return this.#later(() => this.#decode(data));
    const pending = this.#decode(data);
    // an asynchronous schema: frames after this one wait for it
    if (pending) this.#later(() => pending);
  }

  #later(step: () => Promise<void> | void): void {
    const next = (this.#chain ?? Promise.resolve()).then(step).catch((cause: unknown) => this.#report(cause, "reading a message failed"));
    this.#chain = next;
    void next.then(() => {
      if (this.#chain === next) this.#chain = undefined;
    });
  }

  #decode(data: unknown): Promise<void> | void {
    let value: unknown;
    try {
      value = this.#o.codec.decode(data as string | ArrayBuffer);
    } catch (cause) {
      return this.#invalid(data, `could not decode the message: ${describe(cause)}`, cause);
    }
    if (!this.#acked) return this.#route(data, value, (value as { re?: unknown } | null)?.re);
    const envelope = value as Envelope | null;
    switch (typeof envelope === "object" && envelope !== null ? envelope.t : undefined) {
      case "ack":
        return this.#acknowledge((envelope as { seq: unknown }).seq);
      case "msg": {
        const { seq, re, data: inner } = envelope as { seq?: unknown; re?: unknown; data: unknown };
        if (typeof seq === "number") {
          // a replayed message we already have
          if (seq <= this.#serverSeq) return;
          this.#serverSeq = seq;
        }
        return this.#route(data, inner, re);
      }
      default:
        return this.#invalid(data, 'not a lifeline envelope (expected t: "msg" or "ack")', envelope);
    }
  }

  /** A reply to a pending request settles it; anything else is a message. Both pass a schema first. */
  #route(data: unknown, value: unknown, re: unknown): Promise<void> | void {
    const request = typeof re === "string" ? this.#requests?.get(re) : undefined;
    const schema = request?.schema ?? this.#o.incoming;
    if (!schema) return this.#deliver(value, request);
    const result = schema["~standard"].validate(value);
    if (result instanceof Promise) return result.then((r) => this.#validated(data, r, request));
    this.#validated(data, result, request);
  }

  #validated(data: unknown, result: StandardResult<unknown>, request: Pending | undefined): void {
    if (result.issues) {
      const message = `the message does not match the ${request?.schema ? "reply" : "incoming"} schema: ${describeIssues(result.issues)}`;
      this.#invalid(data, message, result.issues);
      request?.reject(new LifelineError("INVALID_MESSAGE", message, { cause: result.issues }));
    } else this.#deliver(result.value, request);
  }

  #invalid(data: unknown, message: string, cause: unknown): void {
    this.#emit("invalid", { data, error: new LifelineError("INVALID_MESSAGE", message, { cause }) });
  }

  #deliver(message: unknown, request: Pending | undefined): void {
    if (request) request.resolve(message);
    else this.#emit("message", message);
  }

  /** The server has every message up to `seq`: forget them. */
  #acknowledge(seq: unknown): void {
    if (typeof seq !== "number") return;
    const messages: O[] = [];
    for (let entry = this.#queue.peek(); entry?.seq !== undefined && entry.seq <= seq; entry = this.#queue.peek()) {
      messages.push(this.#queue.shift()!.message);
    }
    if (messages.length === 0) return;
    this.#inFlight = Math.max(0, this.#inFlight - messages.length);
    this.#emit("delivered", { messages, seq });
  }

  // ---- outgoing -----------------------------------------------------------

  /** Writes a frame to the open socket; false (and a reconnect) if the socket refuses it. */
  #transmit(wire: string | ArrayBuffer | ArrayBufferView): boolean {
    try {
      this.#socket!.send(wire);
      return true;
    } catch {
      this.#batch(() => this.#lost({ code: ABNORMAL, reason: "send failed", wasClean: false }));
      return false;
    }
  }

  #expire(): void {
    const expired = this.#queue.expire(this.#o.clock.now());
    if (expired.length === 0) return;
    this.#inFlight = Math.max(0, this.#inFlight - expired.length);
    for (const entry of expired) this.#emit("drop", { message: entry.message, reason: "expired" });
  }

  #flushQueue(): void {
    this.#expire();
    const queue = this.#queue;
    if (this.#acked) {
      // unacknowledged messages stay queued until their ack
      for (let entry = queue.at(this.#inFlight); entry && this.#phase.kind === "open" && this.#socket; entry = queue.at(this.#inFlight)) {
        if (!this.#transmit(entry.wire)) return;
        this.#inFlight++;
      }
      return;
    }
    for (let entry = queue.peek(); entry && this.#phase.kind === "open" && this.#socket; entry = queue.peek()) {
      if (!this.#transmit(entry.wire)) return;
      queue.shift();
    }
  }

  #encode(message: O, envelope?: (data: unknown) => unknown): string | ArrayBuffer | Uint8Array {
    let value: unknown = message;
    const outgoing = this.#o.outgoing;
    if (outgoing) {
      const result = outgoing["~standard"].validate(message);
      if (result instanceof Promise) {
        throw new LifelineError("INVALID_MESSAGE", "the outgoing schema validates asynchronously; send() needs a synchronous schema");
      }
      if (result.issues) {
        throw new LifelineError("INVALID_MESSAGE", `the message does not match the outgoing schema: ${describeIssues(result.issues)}`, {
          cause: result.issues,
        });
      }
      value = result.value;
    }
    try {
      return this.#o.codec.encode(envelope ? envelope(value) : value);
    } catch (cause) {
      throw new LifelineError("INVALID_MESSAGE", `could not encode the message: ${describe(cause)}`, {
        cause,
      });
    }
  }

  /** Validates, encodes and sends or queues a message; `id` marks a request. */
  #accept(message: O, id?: string): SendResult {
    if (this.#acked) {
      const seq = this.#nextSeq;
      const wire = this.#encode(message, (data) => (id === undefined ? { t: "msg", seq, data } : { t: "req", seq, id, data }));
      this.#nextSeq++;
      return this.#enqueue({ message, wire, at: this.#o.clock.now(), seq }, true);
    }
    const wire = this.#encode(id === undefined ? message : ({ ...(message as object), id } as O));
    if (this.#phase.kind === "open" && this.#socket) {
      // what waited goes first (the queue is empty while open unless a flush was cut short)
      if (this.#queue.size > 0) this.#batch(() => this.#flushQueue());
      // a socket that refuses the frame is finished (#transmit starts the reconnect): the message is queued for the next one
      if (this.#queue.size === 0 && this.#socket && this.#transmit(wire)) return "sent";
    }
    return this.#enqueue({ message, wire, at: this.#o.clock.now() }, false);
  }

  #enqueue(entry: QueueEntry<O>, flush: boolean): SendResult {
    return this.#batch(() => {
      this.#expire();
      const result = this.#queue.push(entry);
      switch (result.kind) {
        case "queued": {
          if (result.dropped) {
            this.#inFlight = Math.max(0, this.#inFlight - 1);
            this.#emit("drop", { message: result.dropped.message, reason: "overflow" });
          }
          if (!flush || this.#phase.kind !== "open" || !this.#socket) return "queued";
          this.#flushQueue();
          return this.#inFlight === this.#queue.size ? "sent" : "queued";
        }
        case "dropped":
          this.#emit("drop", { message: entry.message, reason: "overflow" });
          return "dropped";
        case "full":
          throw new LifelineError("QUEUE_FULL", `the queue holds queue.max (${this.#o.queue.max}) messages and queue.overflow is "error"`);
      }
    });
  }

  // ---- browser hooks ------------------------------------------------------

  #attachHooks(): void {
    this.#releaseHooks?.();
    type Target = { addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void };
    const win = globalThis as unknown as Partial<Target> & { document?: Partial<Target> & { visibilityState?: string } };
    const doc = win.document;
    const hasWindow = typeof win.addEventListener === "function" && typeof win.removeEventListener === "function";
    const hasDocument = typeof doc?.addEventListener === "function" && typeof doc.removeEventListener === "function";
    if (!hasWindow && !hasDocument) return;
    // `online`, or the page becoming visible, cuts a pending backoff short
    const hurry = () => this.#batch(() => this.#phase.kind === "waiting" && this.#attempt({ type: "attempt" }));
    const onVisible = () => doc?.visibilityState === "visible" && hurry();
    if (hasWindow) win.addEventListener!("online", hurry);
    if (hasDocument) doc.addEventListener!("visibilitychange", onVisible);
    this.#releaseHooks = () => {
      if (hasWindow) win.removeEventListener!("online", hurry);
      if (hasDocument) doc.removeEventListener!("visibilitychange", onVisible);
    };
  }
}

const SOCKET_EVENTS = ["open", "close", "error", "message"] as const;

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
