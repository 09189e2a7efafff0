// LifelineWebSocket: the WHATWG WebSocket interface over lifeline's public
// client. The client owns the line (attempts, jittered backoff, heartbeat,
// queue); this class only translates: options in, frames through untouched
// (a pass-through codec), the client's events out as WebSocket events.
import type { Client, CloseEvent as ClientCloseEvent, WebSocketConstructor } from "../index.js";
import { eventOf, messageEvent } from "./events.js";
import { openSocket, resolveTarget, webSocketConstructor } from "./native.js";
import type { NativeSocket, Protocols } from "./native.js";
import { clientFor } from "./options.js";
import type { LifelineWebSocketOptions, ProtocolsProvider, UrlProvider } from "./options.js";
import { WebSocketSurface } from "./surface.js";

/** The platform's readyState values: 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED (written as numbers: a constant each would cost a variable). */
type ReadyState = 0 | 1 | 2 | 3;

/** The platform's values, and whatever else the socket in use accepts ("nodebuffer" for the `ws` package). */
type BinaryType = "blob" | "arraybuffer" | (string & {});

/**
 * A reconnecting `WebSocket`: the platform's interface (an `EventTarget` with
 * `onopen`…`onmessage`, `readyState`, `send`, `close`, `binaryType`…) plus
 * partysocket's and reconnecting-websocket's extras (`reconnect()`,
 * `retryCount`, their option names), on lifeline's core, so it also has
 * jittered backoff, the heartbeat and a bounded queue. Frames pass through
 * untouched. The first attempt starts after the constructor's task (handlers
 * set right after it see everything); `open` fires after every
 * (re)connection, `close` once per ended connection, and `error` once per
 * failed attempt, just before its `close`.
 *
 * @example
 * import { LifelineWebSocket } from "@lifeline/client/websocket";
 * const ws = new LifelineWebSocket("wss://example.test/ws", [], { maxRetries: 10 });
 * ws.onmessage = (event) => console.log(event.data);
 * ws.send("hello"); // sent on open (true) or queued until then (false)
 */
export class LifelineWebSocket extends WebSocketSurface {
  readonly #client: Client;
  readonly #options: LifelineWebSocketOptions;
  /** The url and protocols as given (values or functions), resolved before every attempt. */
  readonly #given: [UrlProvider, ProtocolsProvider];
  #readyState: ReadyState = 0 /* CONNECTING */;
  /** As the user set it; otherwise what the socket took when asked for "blob" (the `ws` package keeps "nodebuffer"), "blob" before the first socket. */
  #binaryType: string | undefined;
  #socketType: string | undefined;

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
  /** This attempt's url as the user gave it, and its protocols, for the constructor. */
  #next!: [string, Protocols];
  #href = "";
  #origin!: string;
  #opened = false;
  /** This attempt failed by itself: its url, or its socket reported an error (otherwise lifeline gave up on it: a connect timeout). */
  #failed = false;
  /** close() or reconnect() ended the current attempt. */
  #byUser = false;
  #lastError: Error | undefined;
  #retryCount = 0;

  /**
   * @param url A `ws:`/`wss:` (or `http:`/`https:`) URL, or a function returning one (sync or async), called before every attempt.
   * @param protocols Subprotocols, or a function returning them (sync or async), called before every attempt.
   * @param options partysocket's and reconnecting-websocket's options, plus lifeline's `heartbeat` and `jitter`.
   * @throws {LifelineError} `INVALID_OPTIONS` for an option lifeline cannot use, `NO_WEBSOCKET` when there is no WebSocket to use.
   */
  constructor(url: UrlProvider, protocols?: ProtocolsProvider, options: LifelineWebSocketOptions = {}) {
    super();
    this.#options = options;
    this.#given = [url, protocols];
    // a constructor the client can `new`: it opens the real socket with this attempt's url and protocols, and keeps it
    const self = this;
    const Socket = function (href: string) {
      return self.#open(href);
    } as unknown as WebSocketConstructor;
    const client = (this.#client = clientFor(options, { url: () => this.#target(), WebSocket: Socket }));
    client.on("open", () => {
      this.#opened = true;
      this.#readyState = 1 /* OPEN */;
      this.dispatchEvent(new Event("open"));
    });
    client.on("close", (event) => this.#onClose(event));
    client.on("message", (data) => this.dispatchEvent(messageEvent(data, this.binaryType, this.#origin)));
    client.on("error", (error) => (this.#lastError = error));
    client.on("reconnecting", ({ attempt }) => (this.#retryCount = attempt));
    if (options.debug) for (const type of ["state", "close", "reconnecting", "drop", "error"] as const) client.on(type, (event) => this.#debug(type, event));
    if (options.startClosed) {
      this.#readyState = 3 /* CLOSED */;
      return;
    }
    webSocketConstructor(options);
    // as in both peers: nothing happens inside the constructor, so handlers set right after it see every event
    queueMicrotask(() => this.#attempts || this.#readyState || client.connect());
  }

  /** `CONNECTING` while an attempt is under way, `OPEN`, `CLOSING` during `close()`, `CLOSED` between attempts and after `close()` or giving up. */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** The url of the current (or last) socket, as it reports it (the url as given, for most); `""` before the first socket. */
  get url(): string {
    return this.#href;
  }

  /** The subprotocol the server chose on the current (or last) connection. */
  get protocol(): string {
    return this.#socket?.protocol ?? "";
  }

  /** The extensions the server chose on the current (or last) connection. */
  get extensions(): string {
    return this.#socket?.extensions ?? "";
  }

  /** partysocket's: whether it will reconnect by itself (false after `close()`, giving up, or `shouldReconnectOnClose` saying no; `reconnect()` makes it true). */
  get shouldReconnect(): boolean {
    return this.#client.state !== "closed";
  }

  /** Bytes not yet on the network: the queue (held while the line is down) plus the socket's own buffer. */
  get bufferedAmount(): number {
    let bytes = this.#socket?.bufferedAmount ?? 0;
    // a Blob measures every kind of frame as it goes on the wire (text as UTF-8)
    for (const data of this.#client.pending) bytes += new Blob([data as ArrayBuffer]).size;
    return bytes;
  }

  /** How binary frames arrive in `message` events. @default "blob" */
  get binaryType(): BinaryType {
    return (this.#binaryType ?? this.#socketType ?? "blob") as BinaryType;
  }
  set binaryType(value: BinaryType) {
    // as both peers: kept as given (a value other than "blob" gets ArrayBuffers)
    this.#binaryType = value;
  }

  /**
   * The retry under way (or being waited for), counted from the last connection that stayed up `minUptime` ms
   * or from `reconnect()`; 0 while open.
   */
  get retryCount(): number {
    return this.#readyState === 1 /* OPEN */ ? 0 : this.#retryCount;
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
   * @throws {LifelineError} `INVALID_OPTIONS` for a code other than 1000 or 3000–4999 (lifeline's check).
   */
  close(code?: number, reason?: string): void {
    // lifeline's defaults: 1000, ""
    this.#byUser = true;
    this.#client.close(code, reason);
    // a socket of the current attempt whose end is not reported yet (the client is busy with another event): its `close` comes later
    if (this.#socketAttempt === this.#attempts && this.#ended < this.#attempts) this.#readyState = 2 /* CLOSING */;
    else {
      this.#ended = this.#attempts; // an attempt still resolving its url ends without a socket
      this.#readyState = 3 /* CLOSED */;
    }
  }

  /**
   * Drops the current connection, if any, and connects again at once with a
   * fresh retry count. Works after `close()` and after giving up, as in both
   * partysocket and reconnecting-websocket.
   */
  reconnect(code?: number, reason?: string): void {
    this.close(code, reason);
    this.#retryCount = 0;
    webSocketConstructor(this.#options);
    this.#client.connect();
  }

  /** Called by the client before every attempt: this attempt's url and protocols, resolved together and kept for the constructor. */
  #target(): Promise<string> {
    const attempt = ++this.#attempts;
    if (this.#ended === attempt - 1) this.#readyState = 0 /* CONNECTING */;
    this.#byUser = false;
    this.#failed = true; // until it has a socket
    this.#debug("connect", this.#retryCount);
    return resolveTarget(this.#given).then(([given, protocols]) => {
      const href = String(given);
      // an abandoned attempt resolving late must not hand its url and protocols to the next one
      if (attempt === this.#attempts) this.#next = [href, protocols];
      // lifeline checks absolute URLs; the platform's WebSocket (given the url as written) resolves one against the
      // page. Without a page a relative url throws here, which lifeline reports as the attempt's URL_ERROR.
      return new URL(href, (globalThis as { location?: { href: string } }).location?.href).href;
    });
  }

  /** `href` is lifeline's checked, absolute form of this attempt's url; the socket gets the url as the user gave it. */
  #open(href: string): NativeSocket {
    const [url, protocols] = this.#next;
    const socket = (this.#socket = openSocket(webSocketConstructor(this.#options), url, protocols, () => (this.#failed = true)));
    this.#socketAttempt = this.#attempts;
    this.#failed = false;
    this.#socketType = socket.binaryType;
    this.#href = socket.url || url;
    this.#origin = new URL(href).origin;
    return socket;
  }

  #onClose({ code, reason, wasClean }: ClientCloseEvent): void {
    this.#ended = Math.min(this.#ended + 1, this.#attempts);
    const opened = this.#opened;
    const error = this.#lastError;
    this.#opened = false;
    this.#lastError = undefined;
    this.#readyState = 3 /* CLOSED */;
    // A connection that never opened failed: error, then close 1006, as the platform reports it. One that
    // lifeline gave up on (neither its own failure nor the user's close) timed out, as both peers report it.
    if (!opened) this.dispatchEvent(eventOf("error", { message: this.#failed || this.#byUser ? (error?.message ?? reason) : "TIMEOUT", error }));
    this.dispatchEvent(eventOf("close", opened ? { code, reason, wasClean } : { code: 1006, reason, wasClean: false }));
    // the next attempt started before this close was delivered
    if (this.#ended < this.#attempts) this.#readyState = 0 /* CONNECTING */;
  }

  #debug(...args: unknown[]): void {
    // the prefix both peers log with, so existing log filters keep working
    if (this.#options.debug) (this.#options.debugLogger ?? console.log)("RWS>", ...args);
  }
}
