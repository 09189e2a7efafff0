// LifelineWebSocket: the WHATWG WebSocket interface over lifeline's public
// client. The client owns the line (attempts, jittered backoff, heartbeat,
// queue); this class only translates: options in, frames through untouched
// (a pass-through codec), the client's events out as WebSocket events.
import { DEFAULTS, LifelineError } from "../index.js";
import type { Client, CloseEvent as ClientCloseEvent, LifelineErrorCode, WebSocketConstructor, WebSocketLike } from "../index.js";
import { closeEvent, errorEvent, messageEvent } from "./events.js";
import type { LifelineWebSocketEventMap } from "./events.js";
import { byteLength, passThrough } from "./frames.js";
import { absoluteUrl, checkProtocols, checkUrl, clientFor } from "./options.js";
import type { LifelineWebSocketOptions, ProtocolsProvider, UrlProvider } from "./options.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** The platform socket's extra fields, read when it has them. */
type NativeSocket = WebSocketLike & { url?: unknown; protocol?: unknown; extensions?: unknown; bufferedAmount?: unknown };
type Handler = ((this: LifelineWebSocket, event: any) => unknown) | null;
type Protocols = string | string[] | undefined;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function invalid(code: LifelineErrorCode, message: string): LifelineError {
  return new LifelineError(code, message);
}

/** The platform's rules for `close(code, reason)`, as a `LifelineError`. */
function checkClose(code: unknown, reason: unknown): void {
  if (typeof code !== "number" || !Number.isInteger(code) || !(code === 1000 || (code >= 3000 && code <= 4999))) {
    throw invalid("INVALID_OPTIONS", `close code must be 1000 or an integer in 3000–4999, got ${String(code)}`);
  }
  if (typeof reason !== "string" || byteLength(reason) > 123) {
    throw invalid("INVALID_OPTIONS", "close reason must be a string of at most 123 bytes of UTF-8");
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

/**
 * A reconnecting `WebSocket`: the platform's interface (an `EventTarget` with
 * `onopen`…`onmessage`, `readyState`, `send`, `close`, `binaryType`…) plus
 * partysocket's and reconnecting-websocket's extras (`reconnect()`,
 * `retryCount`, their option names), on lifeline's core, so it also has
 * jittered backoff, the heartbeat and a bounded queue. Frames pass through
 * untouched. `open` fires after every (re)connection, `close` once per ended
 * connection, and `error` once per failed attempt, just before its `close`.
 *
 * @example
 * import { LifelineWebSocket } from "@lifeline/client/websocket";
 * const ws = new LifelineWebSocket("wss://example.test/ws", [], { maxRetries: 10 });
 * ws.onmessage = (event) => console.log(event.data);
 * ws.send("hello"); // sent on open (true) or queued until then (false)
 */
export class LifelineWebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  readonly #client: Client;
  readonly #options: LifelineWebSocketOptions;
  readonly #url: UrlProvider;
  readonly #protocols: ProtocolsProvider;
  #readyState: ReadyState = CONNECTING;
  #binaryType: "blob" | "arraybuffer" = "blob";
  #handlers: Map<string, Handler> | undefined;

  // Attempts are counted as the client starts them (it calls the url
  // function) and as their end is reported (its `close` event). The client
  // reports events after the change that caused them, so an attempt can start
  // before the previous connection's `close` is delivered; the counts keep
  // readyState right in both orders.
  #attempts = 0;
  #ended = 0;
  /** The attempt that has a socket (the client emits exactly one `close` for every socket). */
  #socketAttempt = 0;
  #socket: NativeSocket | undefined;
  #nextProtocols: Protocols;
  #href = "";
  #origin = "";
  #opened = false;
  #lastError: unknown;
  #retryCount = 0;
  #openedAt = 0;

  /**
   * @param url A `ws:`/`wss:` (or `http:`/`https:`) URL, or a function returning one (sync or async), called before every attempt.
   * @param protocols Subprotocols, or a function returning them (sync or async), called before every attempt.
   * @param options partysocket's and reconnecting-websocket's options, plus lifeline's `heartbeat` and `jitter`.
   * @throws {LifelineError} `INVALID_OPTIONS` for an option it cannot use, `NO_WEBSOCKET` when there is no WebSocket to use.
   */
  constructor(url: UrlProvider, protocols?: ProtocolsProvider, options: LifelineWebSocketOptions = {}) {
    super();
    checkUrl(url);
    checkProtocols(protocols);
    this.#options = options;
    this.#url = url;
    this.#protocols = protocols;
    if (typeof url !== "function") this.#setHref(new URL(String(absoluteUrl(url))).href.replace(/^http/, "ws"));
    // a constructor the client can `new`: it opens the real socket with this attempt's protocols and keeps it
    const open = (href: string) => this.#open(href);
    const Socket = function (href: string) {
      return open(href);
    } as unknown as WebSocketConstructor;
    const client = (this.#client = clientFor(options, { url: () => this.#target(), WebSocket: Socket, codec: passThrough }));
    client.on("open", ({ attempt }) => this.#onOpen(attempt));
    client.on("close", (event) => this.#onClose(event));
    client.on("message", (data) => this.#onMessage(data));
    client.on("error", (error) => {
      this.#lastError = error;
      this.#debug("error", error.message);
    });
    client.on("reconnecting", ({ attempt, delay }) => {
      this.#retryCount = attempt;
      this.#debug("reconnecting", { attempt, delay });
    });
    client.on("drop", () => this.#debug("queue full: message dropped"));
    if (options.startClosed === true) {
      this.#readyState = CLOSED;
      return;
    }
    this.#webSocketConstructor();
    client.connect();
  }

  get CONNECTING(): 0 {
    return CONNECTING;
  }
  get OPEN(): 1 {
    return OPEN;
  }
  get CLOSING(): 2 {
    return CLOSING;
  }
  get CLOSED(): 3 {
    return CLOSED;
  }

  /** `CONNECTING` while an attempt is under way, `OPEN`, `CLOSING` during `close()`, `CLOSED` between attempts and after `close()` or giving up. */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** The URL of the current (or last) connection; for a url function, `""` until it first returns. */
  get url(): string {
    return this.#href;
  }

  /** The subprotocol the server chose on the current (or last) connection. */
  get protocol(): string {
    const value = this.#socket?.protocol;
    return typeof value === "string" ? value : "";
  }

  /** The extensions the server chose on the current (or last) connection. */
  get extensions(): string {
    const value = this.#socket?.extensions;
    return typeof value === "string" ? value : "";
  }

  /** Bytes not yet on the network: the queue (held while the line is down) plus the open socket's own buffer. */
  get bufferedAmount(): number {
    let bytes = 0;
    for (const data of this.#client.pending) bytes += byteLength(passThrough.encode(data));
    const own = this.#readyState === OPEN ? this.#socket?.bufferedAmount : undefined;
    return bytes + (typeof own === "number" ? own : 0);
  }

  /** How binary frames arrive in `message` events. @default "blob" */
  get binaryType(): "blob" | "arraybuffer" {
    return this.#binaryType;
  }
  set binaryType(value: "blob" | "arraybuffer") {
    // like the platform, an unknown value is ignored
    if (value === "blob" || value === "arraybuffer") this.#binaryType = value;
  }

  /** Retries since the last connection that stayed up `minUptime` ms; 0 while such a connection is open. */
  get retryCount(): number {
    const now = this.#options.clock?.now() ?? Date.now();
    const stable = this.#readyState === OPEN && now - this.#openedAt >= (this.#options.minUptime ?? DEFAULTS.backoff.resetAfter);
    return stable ? 0 : this.#retryCount;
  }

  get onopen(): Handler {
    return this.#handlers?.get("open") ?? null;
  }
  set onopen(handler: Handler) {
    this.#setHandler("open", handler);
  }
  get onmessage(): Handler {
    return this.#handlers?.get("message") ?? null;
  }
  set onmessage(handler: Handler) {
    this.#setHandler("message", handler);
  }
  get onclose(): Handler {
    return this.#handlers?.get("close") ?? null;
  }
  set onclose(handler: Handler) {
    this.#setHandler("close", handler);
  }
  get onerror(): Handler {
    return this.#handlers?.get("error") ?? null;
  }
  set onerror(handler: Handler) {
    this.#setHandler("error", handler);
  }

  /**
   * Sends now when open, otherwise queues until the next open (up to
   * `maxEnqueuedMessages`, then the message is dropped). Returns `true` when
   * the frame went out now, `false` when it was queued or dropped, as
   * partysocket does (reconnecting-websocket returns nothing).
   */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): boolean {
    return this.#client.send(data) === "sent";
  }

  /**
   * Closes the connection (or the attempt) and stops reconnecting, until
   * `reconnect()`. The `close` event fires before this returns, as in
   * partysocket. Queued messages are kept for `reconnect()`.
   * @throws {LifelineError} `INVALID_OPTIONS` for a code other than 1000 or 3000–4999, or a reason over 123 bytes.
   */
  close(code = 1000, reason = ""): void {
    checkClose(code, reason);
    this.#close(code, reason);
  }

  /**
   * Drops the current connection, if any, and connects again at once with a
   * fresh retry count. Works after `close()` and after giving up, as in both
   * partysocket and reconnecting-websocket.
   */
  reconnect(code = 1000, reason = ""): void {
    checkClose(code, reason);
    this.#close(code, reason);
    this.#retryCount = 0;
    this.#webSocketConstructor();
    this.#client.connect();
  }

  #close(code: number, reason: string): void {
    // a socket of the current attempt whose end is not reported yet: the client will emit its `close`
    const closeComing = this.#socketAttempt === this.#attempts && this.#ended < this.#attempts;
    if (closeComing) {
      if (this.#readyState !== CLOSED) this.#readyState = CLOSING;
    } else this.#ended = this.#attempts; // an attempt still resolving its url ends without a socket
    this.#debug("close", { code, reason });
    this.#client.close(code, reason);
    if (!closeComing) this.#readyState = CLOSED;
  }

  /** Called by the client before every attempt: this attempt's URL, and its protocols kept for the constructor. */
  #target(): string | URL | Promise<string | URL> {
    const attempt = ++this.#attempts;
    if (this.#ended === attempt - 1) this.#readyState = CONNECTING;
    const url = typeof this.#url === "function" ? this.#url() : this.#url;
    const protocols = typeof this.#protocols === "function" ? this.#protocols() : this.#protocols;
    const settle = (resolvedUrl: string | URL, resolvedProtocols: string | string[] | null | undefined) => {
      // an abandoned attempt resolving late must not hand its protocols to the next one
      if (attempt === this.#attempts) this.#nextProtocols = resolvedProtocols ?? undefined;
      return absoluteUrl(resolvedUrl);
    };
    if (isThenable(url) || isThenable(protocols)) return Promise.all([url, protocols]).then(([u, p]) => settle(u, p));
    return settle(url, protocols);
  }

  #webSocketConstructor(): WebSocketConstructor {
    // read now, not at import: a polyfill installed after import still counts
    const Ctor = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (typeof Ctor !== "function") {
      throw invalid("NO_WEBSOCKET", "no WebSocket: this runtime has no global WebSocket; pass one as the WebSocket option");
    }
    return Ctor;
  }

  #open(href: string): NativeSocket {
    const Ctor = this.#webSocketConstructor();
    const protocols = this.#nextProtocols;
    this.#debug("connect", { url: href, protocols });
    const socket: NativeSocket = protocols === undefined ? new Ctor(href) : new Ctor(href, protocols);
    this.#socket = socket;
    this.#socketAttempt = this.#attempts;
    this.#setHref(typeof socket.url === "string" && socket.url !== "" ? socket.url : href);
    return socket;
  }

  #setHref(href: string): void {
    if (href === this.#href) return;
    this.#href = href;
    this.#origin = originOf(href);
  }

  #onOpen(attempt: number): void {
    this.#opened = true;
    this.#readyState = OPEN;
    this.#retryCount = attempt - 1;
    this.#openedAt = this.#options.clock?.now() ?? Date.now();
    this.#lastError = undefined;
    this.#debug("open", { attempt });
    this.dispatchEvent(new Event("open"));
  }

  #onClose({ code, reason, wasClean, willReconnect }: ClientCloseEvent): void {
    this.#ended = Math.min(this.#ended + 1, this.#attempts);
    const failed = !this.#opened;
    this.#opened = false;
    this.#readyState = CLOSED;
    this.#debug("close", { code, reason, wasClean, willReconnect });
    if (failed) {
      // a connection that never opened failed: error, then close 1006, as the platform reports it
      const error = this.#lastError;
      this.#lastError = undefined;
      this.dispatchEvent(errorEvent(error instanceof Error ? error.message : reason || "the connection failed", error));
      this.dispatchEvent(closeEvent(1006, reason, false));
    } else {
      this.dispatchEvent(closeEvent(code, reason, wasClean));
    }
    // the next attempt started before this close was delivered
    if (this.#ended < this.#attempts && this.#readyState === CLOSED) this.#readyState = CONNECTING;
  }

  #onMessage(data: unknown): void {
    // the client reads binary frames as ArrayBuffer; the platform's default is a Blob
    const payload = typeof data !== "string" && this.#binaryType === "blob" ? new Blob([data as ArrayBuffer]) : data;
    this.dispatchEvent(messageEvent(payload, this.#origin));
  }

  // The on* attributes work like the platform's event handlers: one listener,
  // added where the first handler was set, calling whichever handler is current.
  readonly #invoke = {
    handleEvent: (event: Event) => {
      const handler = this.#handlers?.get(event.type);
      if (typeof handler === "function") handler.call(this, event);
    },
  };

  #setHandler(type: string, handler: Handler): void {
    const handlers = (this.#handlers ??= new Map());
    if (typeof handler !== "function") {
      if (handlers.delete(type)) this.removeEventListener(type, this.#invoke);
      return;
    }
    if (!handlers.has(type)) this.addEventListener(type, this.#invoke);
    handlers.set(type, handler);
  }

  #debug(...args: unknown[]): void {
    if (this.#options.debug !== true) return;
    (this.#options.debugLogger ?? console.log)("LifelineWebSocket>", ...args);
  }
}

type Listener<E> = ((this: LifelineWebSocket, event: E) => unknown) | { handleEvent(event: E): unknown } | null;
type ListenerOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };

// Typed listeners per event type, like the platform's WebSocket (declaration merging: no code).
export interface LifelineWebSocket {
  addEventListener<K extends keyof LifelineWebSocketEventMap>(type: K, listener: Listener<LifelineWebSocketEventMap[K]>, options?: ListenerOptions): void;
  addEventListener(type: string, listener: Listener<Event>, options?: ListenerOptions): void;
  removeEventListener<K extends keyof LifelineWebSocketEventMap>(type: K, listener: Listener<LifelineWebSocketEventMap[K]>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: boolean | { capture?: boolean }): void;
}
