import mitt from "mitt";
import { backoffDelay } from "./backoff.js";
import { LifelineError } from "./errors.js";
import { normalizeUrl, resolveOptions } from "./options.js";
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

function randomId(random: () => number): string {
  let id = "";
  for (let i = 0; i < 4; i++) id += Math.floor(random() * 0x10000_0000).toString(36).padStart(7, "0");
  return id;
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
  type I = InferOutput<In>;
  type O = InferInput<Out>;
  const opts: ResolvedOptions = resolveOptions(options);
  const { clock, heartbeat: hb } = opts;
  const emitter = mitt<Record<string, unknown>>();
  const queue = new OutboundQueue<O>(opts.queue);

  let phase: Phase = { kind: "idle" };
  /** The one socket open or opening; never more than one. */
  let socket: WebSocketLike | undefined;
  let releaseListeners: (() => void) | undefined;
  /** Failed (or short-lived) connections in a row. */
  let retries = 0;
  /** Bumped by every attempt, so a url that resolves late for an abandoned attempt is ignored. */
  let attemptToken = 0;
  let latency: number | undefined;
  const phaseTimers = new Set<unknown>();
  const waiters: Array<{ resolve(): void; reject(error: LifelineError): void }> = [];
  const requests = new Map<string, Pending>();
  /** Suffix of request ids: keeps them unique even when an injected `random` repeats itself. */
  let requestCount = 0;

  // Acknowledged delivery: the queue then holds every message not yet
  // acknowledged; the first `inFlight` of them went out on this connection.
  const acked = opts.delivery === "at-least-once";
  let session = acked ? randomId(opts.random) : undefined;
  let nextSeq = 1;
  let serverSeq = 0;
  let inFlight = 0;

  // ---- events -------------------------------------------------------------

  // Events raised while the client is mid-change are held until the change is
  // complete, so handlers (which may call back into the client) always see a
  // consistent client; events they cause are delivered after, in order.
  let depth = 0;
  let flushing = false;
  const outbox: Array<[string, unknown]> = [];

  function emit(type: string, payload: unknown): void {
    if (depth === 0 && !flushing) {
      flushing = true;
      try {
        emitter.emit(type, payload);
        drain();
      } finally {
        flushing = false;
      }
    } else {
      outbox.push([type, payload]);
    }
  }

  function drain(): void {
    for (let next = outbox.shift(); next; next = outbox.shift()) emitter.emit(next[0], next[1]);
  }

  function batch<T>(fn: () => T): T {
    depth++;
    try {
      return fn();
    } finally {
      if (--depth === 0 && !flushing && outbox.length > 0) {
        flushing = true;
        try {
          drain();
        } finally {
          flushing = false;
        }
      }
    }
  }

  const wrappers = new Map<string, Map<Function, (event: unknown) => void>>();

  function on(type: string, handler: (event: any) => void): () => void {
    let byHandler = wrappers.get(type);
    if (!byHandler) wrappers.set(type, (byHandler = new Map()));
    if (!byHandler.has(handler)) {
      const wrapped = (event: unknown) => {
        try {
          handler(event);
        } catch (cause) {
          // an error handler that throws has nowhere left to report to
          if (type !== "error") report(cause, `a "${type}" handler threw`);
        }
      };
      byHandler.set(handler, wrapped);
      emitter.on(type, wrapped);
    }
    return () => off(type, handler);
  }

  function off(type: string, handler: (event: any) => void): void {
    const wrapped = wrappers.get(type)?.get(handler);
    if (wrapped) {
      wrappers.get(type)!.delete(handler);
      emitter.off(type, wrapped);
    }
  }

  function report(cause: unknown, what: string): void {
    const detail = cause instanceof Error ? cause.message : String(cause);
    emit("error", new LifelineError("HANDLER_ERROR", `${what}: ${detail}`, { cause }));
  }

  // ---- phases and their timers --------------------------------------------

  /** A timer owned by the current phase: cleared when the phase is left. */
  function phaseTimer(ms: number, fn: () => void): () => void {
    const handle = clock.setTimeout(() => {
      phaseTimers.delete(handle);
      batch(fn);
    }, ms);
    phaseTimers.add(handle);
    return () => {
      if (phaseTimers.delete(handle)) clock.clearTimeout(handle);
    };
  }

  function go(event: Transition): boolean {
    const next = transition(phase, event);
    if (!next) return false;
    for (const handle of phaseTimers) clock.clearTimeout(handle);
    phaseTimers.clear();
    const from = publicState(phase);
    phase = next;
    const to = publicState(next);
    if (from !== to) emit("state", { from, to });
    return true;
  }

  // ---- sockets ------------------------------------------------------------

  /** Stops listening to the current socket and closes it; never waits for its `close` (a half-open peer may never send one). */
  function releaseSocket(code = 1000, reason = ""): void {
    attemptToken++;
    const ws = socket;
    socket = undefined;
    releaseListeners?.();
    releaseListeners = undefined;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        // closing a socket that is already gone may throw in some runtimes; it is gone either way
      }
    }
  }

  function attempt(event: Transition): void {
    releaseSocket();
    if (!go(event)) return;
    const token = attemptToken;
    phaseTimer(opts.connectTimeout, () => lost({ code: ABNORMAL, reason: "connect timeout", wasClean: false }));
    let url: string | URL | Promise<string | URL>;
    try {
      url = typeof opts.url === "function" ? opts.url() : opts.url;
    } catch (cause) {
      return urlFailed(cause);
    }
    if (typeof url === "object" && url !== null && typeof (url as Promise<unknown>).then === "function") {
      (url as Promise<string | URL>).then(
        (resolved) => token === attemptToken && batch(() => open(resolved)),
        (cause: unknown) => token === attemptToken && batch(() => urlFailed(cause)),
      );
    } else {
      open(url as string | URL);
    }
  }

  function urlFailed(cause: unknown): void {
    const error =
      cause instanceof LifelineError
        ? cause
        : new LifelineError("URL_ERROR", `the url function failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    emit("error", error);
    lost({ code: ABNORMAL, reason: "url error", wasClean: false });
  }

  function open(url: string | URL): void {
    if (phase.kind !== "connecting") return;
    let ws: WebSocketLike;
    try {
      ws = new opts.WebSocket(normalizeUrl(url, "URL_ERROR"), opts.protocols);
      ws.binaryType = "arraybuffer";
    } catch (cause) {
      return urlFailed(cause);
    }
    socket = ws;
    const onOpen = () => batch(() => ws === socket && onOpened());
    const onClose = (event: { code?: number; reason?: string; wasClean?: boolean }) =>
      batch(() => ws === socket && lost({ code: closeCode(event.code), reason: String(event.reason ?? ""), wasClean: Boolean(event.wasClean) }));
    // Node 22 fires only `error` for a refused attempt, and browsers fire `error`
    // just before an abnormal `close`: either way the socket is finished.
    const onError = () => batch(() => ws === socket && lost({ code: ABNORMAL, reason: "", wasClean: false }));
    const onMessage = (event: { data: unknown }) => ws === socket && receive(event.data);
    ws.addEventListener("open", onOpen);
    ws.addEventListener("close", onClose);
    ws.addEventListener("error", onError);
    ws.addEventListener("message", onMessage);
    releaseListeners = () => {
      ws.removeEventListener("open", onOpen);
      ws.removeEventListener("close", onClose);
      ws.removeEventListener("error", onError);
      ws.removeEventListener("message", onMessage);
    };
  }

  function onOpened(): void {
    const attemptNo = retries + 1;
    go({ type: "opened" });
    // a connection that stays up resetAfter ms is stable: the next failure starts from retry 1
    phaseTimer(opts.backoff.resetAfter, () => (retries = 0));
    if (hb) startHeartbeat();
    if (acked) {
      inFlight = 0;
      if (!transmit(JSON.stringify({ t: "hello", session, ack: serverSeq }))) return;
    }
    flushQueue();
    // the socket may have refused the flush and been dropped already
    if (phase.kind !== "open") return;
    emit("open", { attempt: attemptNo });
    for (const waiter of waiters.splice(0)) waiter.resolve();
  }

  /** The socket failed, closed, timed out or was declared dead. */
  function lost(info: CloseInfo, force = false): void {
    releaseSocket(1000, info.reason === "heartbeat timeout" ? info.reason : "");
    retries++;
    let again = force;
    if (!force) {
      try {
        again = opts.shouldReconnect(info);
      } catch (cause) {
        report(cause, "shouldReconnect threw");
      }
    }
    const willReconnect = again && retries <= opts.maxRetries;
    emit("close", { ...info, willReconnect });
    if (willReconnect) scheduleRetry();
    else stop();
  }

  function scheduleRetry(): void {
    const delay = backoffDelay(opts.backoff, retries, opts.random);
    go({ type: "wait" });
    emit("reconnecting", { attempt: retries, delay });
    const wait = (ms: number) =>
      phaseTimer(ms, () => {
        // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
        if ((globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false) wait(Math.max(delay, OFFLINE_RECHECK_MS));
        else attempt({ type: "attempt" });
      });
    wait(delay);
  }

  function stop(): void {
    if (!go({ type: "stop" })) return;
    releaseHooks();
    const closed = () => new LifelineError("CLOSED", "the client closed");
    for (const waiter of waiters.splice(0)) waiter.reject(closed());
    for (const request of [...requests.values()]) request.reject(closed());
  }

  // ---- heartbeat ----------------------------------------------------------

  let lastReceived = 0;
  let pingSentAt = 0;
  let cancelPongWait: (() => void) | undefined;

  function startHeartbeat(): void {
    lastReceived = clock.now();
    cancelPongWait = undefined;
    idleCheck(hb ? hb.interval : 0);
  }

  // The idle timer is not restarted per frame (that would cost two timer calls
  // per message); it fires once per interval and re-arms for the silence left.
  function idleCheck(ms: number): void {
    if (!hb) return;
    const due = clock.now() + ms;
    phaseTimer(ms, () => {
      const now = clock.now();
      const silence = now - lastReceived;
      if (now - due > LATE_MS || silence >= hb.interval) ping(false);
      else idleCheck(hb.interval - silence);
    });
  }

  function ping(recheck: boolean): void {
    if (!hb || !socket) return;
    pingSentAt = clock.now();
    if (!transmit(hb.ping)) return;
    const due = pingSentAt + hb.timeout;
    cancelPongWait = phaseTimer(hb.timeout, () => {
      cancelPongWait = undefined;
      // fired long after it was due: the device slept, so the silence proves
      // nothing yet; ask once more before declaring the line dead
      if (!recheck && clock.now() - due > LATE_MS) ping(true);
      else lost({ code: ABNORMAL, reason: "heartbeat timeout", wasClean: false }, true);
    });
  }

  // ---- incoming -----------------------------------------------------------

  /** Incoming frames wait here while an earlier one is still being validated asynchronously, so order holds. */
  let chain: Promise<void> | undefined;

  function receive(data: unknown): void {
    if (hb) {
      lastReceived = clock.now();
      if (cancelPongWait) {
        cancelPongWait();
        cancelPongWait = undefined;
        if (data === hb.pong) {
          latency = lastReceived - pingSentAt;
          emit("heartbeat", { rtt: latency });
        }
        idleCheck(hb.interval);
      }
      if (data === hb.ping) {
        transmit(hb.pong);
        return;
      }
      if (data === hb.pong) return;
    }
    if (typeof data !== "string") {
      if (ArrayBuffer.isView(data)) data = toArrayBuffer(data);
      else if (typeof (data as Blob | null)?.arrayBuffer === "function") {
        // a Blob: only when something reset binaryType; read it in order
        const blob = data as Blob;
        return later(() => blob.arrayBuffer().then((buffer) => decode(buffer)));
      }
    }
    if (chain) return later(() => decode(data));
    const pending = decode(data);
    // an asynchronous schema: frames after this one wait for it
    if (pending) later(() => pending);
  }

  function later(step: () => Promise<void> | void): void {
    const next = (chain ?? Promise.resolve()).then(step).catch((cause: unknown) => report(cause, "reading a message failed"));
    chain = next;
    void next.then(() => {
      if (chain === next) chain = undefined;
    });
  }

  function decode(data: unknown): Promise<void> | void {
    let value: unknown;
    try {
      value = opts.codec.decode(data as string | ArrayBuffer);
    } catch (cause) {
      return invalid(data, `could not decode the message: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
    if (!acked) return route(data, value, (value as { re?: unknown } | null)?.re);
    const envelope = value as Envelope | null;
    switch (typeof envelope === "object" && envelope !== null ? envelope.t : undefined) {
      case "ack":
        return acknowledge((envelope as { seq: unknown }).seq);
      case "msg": {
        const { seq, re, data: inner } = envelope as { seq?: unknown; re?: unknown; data: unknown };
        if (typeof seq === "number") {
          // a replayed message we already have
          if (seq <= serverSeq) return;
          serverSeq = seq;
        }
        return route(data, inner, re);
      }
      default:
        return invalid(data, "not a lifeline envelope (expected t: \"msg\" or \"ack\")", envelope);
    }
  }

  /** A reply to a pending request settles it; anything else is a message. Both pass a schema first. */
  function route(data: unknown, value: unknown, re: unknown): Promise<void> | void {
    const request = typeof re === "string" && requests.size > 0 ? requests.get(re) : undefined;
    const schema = request?.schema ?? opts.incoming;
    if (!schema) return deliver(value, request);
    const result = schema["~standard"].validate(value);
    if (result instanceof Promise) return result.then((r) => validated(data, r, request));
    validated(data, result, request);
  }

  function validated(data: unknown, result: StandardResult<unknown>, request: Pending | undefined): void {
    if (result.issues) {
      const message = `the message does not match the ${request?.schema ? "reply" : "incoming"} schema: ${describeIssues(result.issues)}`;
      invalid(data, message, result.issues);
      request?.reject(new LifelineError("INVALID_MESSAGE", message, { cause: result.issues }));
    } else deliver(result.value, request);
  }

  function invalid(data: unknown, message: string, cause: unknown): void {
    emit("invalid", { data, error: new LifelineError("INVALID_MESSAGE", message, { cause }) });
  }

  function deliver(message: unknown, request: Pending | undefined): void {
    if (request) request.resolve(message);
    else emit("message", message);
  }

  /** The server has every message up to `seq`: forget them. */
  function acknowledge(seq: unknown): void {
    if (typeof seq !== "number") return;
    const messages: O[] = [];
    for (let entry = queue.peek(); entry?.seq !== undefined && entry.seq <= seq; entry = queue.peek()) {
      messages.push(queue.shift()!.message);
    }
    if (messages.length === 0) return;
    inFlight = Math.max(0, inFlight - messages.length);
    emit("delivered", { messages, seq });
  }

  // ---- outgoing -----------------------------------------------------------

  /** Writes a frame to the open socket; false (and a reconnect) if the socket refuses it. */
  function transmit(wire: string | ArrayBuffer | ArrayBufferView): boolean {
    try {
      socket!.send(wire);
      return true;
    } catch {
      batch(() => lost({ code: ABNORMAL, reason: "send failed", wasClean: false }));
      return false;
    }
  }

  function expire(): void {
    const expired = queue.expire(clock.now());
    inFlight = Math.max(0, inFlight - expired.length);
    for (const entry of expired) emit("drop", { message: entry.message, reason: "expired" });
  }

  function flushQueue(): void {
    expire();
    if (acked) {
      // unacknowledged messages stay queued until their ack
      for (let entry = queue.at(inFlight); entry && phase.kind === "open" && socket; entry = queue.at(inFlight)) {
        if (!transmit(entry.wire)) return;
        inFlight++;
      }
      return;
    }
    for (let entry = queue.peek(); entry && phase.kind === "open" && socket; entry = queue.peek()) {
      if (!transmit(entry.wire)) return;
      queue.shift();
    }
  }

  function encode(message: O, envelope?: (data: unknown) => unknown): string | ArrayBuffer | Uint8Array {
    let value: unknown = message;
    if (opts.outgoing) {
      const result = opts.outgoing["~standard"].validate(message);
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
      return opts.codec.encode(envelope ? envelope(value) : value);
    } catch (cause) {
      throw new LifelineError("INVALID_MESSAGE", `could not encode the message: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    }
  }

  function send(message: O): SendResult {
    return accept(message);
  }

  /** Validates, encodes and sends or queues a message; `id` marks a request. */
  function accept(message: O, id?: string): SendResult {
    if (acked) {
      const seq = nextSeq;
      const wire = encode(message, (data) => (id === undefined ? { t: "msg", seq, data } : { t: "req", seq, id, data }));
      nextSeq++;
      return enqueue({ message, wire, at: clock.now(), seq }, true);
    }
    const wire = encode(id === undefined ? message : ({ ...(message as object), id } as O));
    return batch(() => {
      if (phase.kind === "open" && socket) {
        // what waited in the queue goes first
        if (queue.size > 0) flushQueue();
        // a socket that refuses the frame is finished: keep the message for the next connection
        if (queue.size === 0 && socket && transmit(wire)) return "sent";
      }
      return enqueue({ message, wire, at: clock.now() }, false);
    });
  }

  function enqueue(entry: QueueEntry<O>, flush: boolean): SendResult {
    return batch(() => {
      expire();
      const result = queue.push(entry);
      switch (result.kind) {
        case "queued": {
          if (result.dropped) {
            inFlight = Math.max(0, inFlight - 1);
            emit("drop", { message: result.dropped.message, reason: "overflow" });
          }
          if (!flush || phase.kind !== "open" || !socket) return "queued";
          flushQueue();
          return inFlight === queue.size ? "sent" : "queued";
        }
        case "dropped":
          emit("drop", { message: entry.message, reason: "overflow" });
          return "dropped";
        case "full":
          throw new LifelineError("QUEUE_FULL", `the queue holds queue.max (${opts.queue.max}) messages and queue.overflow is "error"`);
      }
    });
  }

  function request(message: O, { timeout = opts.requestTimeout, signal, schema }: RequestOptions = {}): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (signal?.aborted) return reject(new LifelineError("ABORTED", "the request was aborted", { cause: signal.reason }));
      if (phase.kind === "closed") return reject(new LifelineError("CLOSED", "the client is closed"));
      if (!acked && (typeof message !== "object" || message === null || Array.isArray(message))) {
        return reject(new LifelineError("INVALID_MESSAGE", "request() needs an object message to carry its id"));
      }
      const id = `${randomId(opts.random)}${(++requestCount).toString(36)}`;
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
        accept(message, id);
      } catch (error) {
        settle();
        reject(error);
      }
    });
  }

  // ---- browser hooks ------------------------------------------------------

  type EventTargetLike = {
    addEventListener(type: string, fn: () => void): void;
    removeEventListener(type: string, fn: () => void): void;
  };
  const win = globalThis as unknown as Partial<EventTargetLike> & { document?: Partial<EventTargetLike> & { visibilityState?: string } };
  let releaseHooks: () => void = () => {};

  function hurry(): void {
    batch(() => {
      if (phase.kind === "waiting") attempt({ type: "attempt" });
    });
  }

  function attachHooks(): void {
    releaseHooks();
    const onOnline = () => hurry();
    const onVisible = () => win.document?.visibilityState === "visible" && hurry();
    const hasWindow = typeof win.addEventListener === "function" && typeof win.removeEventListener === "function";
    const doc = win.document;
    const hasDocument = typeof doc?.addEventListener === "function" && typeof doc.removeEventListener === "function";
    if (hasWindow) win.addEventListener!("online", onOnline);
    if (hasDocument) doc.addEventListener!("visibilitychange", onVisible);
    releaseHooks = () => {
      if (hasWindow) win.removeEventListener!("online", onOnline);
      if (hasDocument) doc.removeEventListener!("visibilitychange", onVisible);
      releaseHooks = () => {};
    };
  }

  // ---- the client ---------------------------------------------------------

  function connect(): void {
    batch(() => {
      if (phase.kind !== "idle" && phase.kind !== "closed") return;
      retries = 0;
      if (acked && phase.kind === "closed" && queue.size === 0) {
        // nothing left to deliver for the old session: start a fresh one
        session = randomId(opts.random);
        nextSeq = 1;
        serverSeq = 0;
      }
      attachHooks();
      attempt({ type: "connect" });
    });
  }

  function close(code = 1000, reason = ""): void {
    if (typeof code !== "number" || !(code === 1000 || (code >= 3000 && code <= 4999)) || !Number.isInteger(code)) {
      throw new LifelineError("INVALID_OPTIONS", `close code must be 1000 or an integer in 3000–4999, got ${String(code)}`);
    }
    batch(() => {
      const hadSocket = socket !== undefined;
      releaseSocket(code, reason);
      if (phase.kind === "closed") return;
      if (hadSocket) emit("close", { code, reason, wasClean: true, willReconnect: false });
      stop();
    });
  }

  function iterate(): AsyncIterableIterator<I> {
    const buffer: I[] = [];
    let wake: ((result: IteratorResult<I>) => void) | undefined;
    let done = phase.kind === "closed";
    const finish = () => {
      done = true;
      stopMessages();
      stopState();
      wake?.({ value: undefined, done: true });
      wake = undefined;
    };
    const stopMessages = on("message", (message: I) => {
      if (wake) {
        wake({ value: message, done: false });
        wake = undefined;
      } else buffer.push(message);
    });
    const stopState = on("state", ({ to }: StateChange) => to === "closed" && finish());
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

  const client: Client<I, O> = {
    get state() {
      return publicState(phase);
    },
    get latency() {
      return latency;
    },
    get pending() {
      batch(expire);
      return queue.messages();
    },
    get session() {
      return session;
    },
    send,
    request: request as Client<I, O>["request"],
    on: on as Client<I, O>["on"],
    off: off as Client<I, O>["off"],
    onType(type, handler) {
      return on("message", (message: unknown) => {
        if ((message as { type?: unknown } | null)?.type === type) handler(message as never);
      });
    },
    opened() {
      if (phase.kind === "open") return Promise.resolve();
      if (phase.kind === "closed") return Promise.reject(new LifelineError("CLOSED", "the client is closed"));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    connect,
    reconnect() {
      batch(() => {
        if (phase.kind === "idle" || phase.kind === "closed") return connect();
        if (socket) emit("close", { code: 1000, reason: "reconnect", wasClean: true, willReconnect: true });
        attempt({ type: "attempt" });
      });
    },
    close,
    [Symbol.asyncIterator]: iterate,
    [disposeSymbol]() {
      close();
    },
    [asyncDisposeSymbol]() {
      close();
      return Promise.resolve();
    },
  };

  if (opts.autoConnect) connect();
  return client;
}
