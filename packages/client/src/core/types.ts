// Every type the core and its features share, in one file that imports
// nothing, so no module of the core depends on another for a type.

/** The part of a WebSocket that lifeline uses; the global `WebSocket` fits. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: ((event: any) => void) | { handleEvent(event: any): void }): void;
  removeEventListener(type: string, listener: ((event: any) => void) | { handleEvent(event: any): void }): void;
}

/** A `WebSocket` constructor: the runtime's, a polyfill, or the fake from `@lifeline/client/testing`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Where to connect; a function is called before every attempt (fresh tokens go here). */
export type UrlSource = string | URL | (() => string | URL | Promise<string | URL>);

/** What goes on the wire. */
export type Frame = string | ArrayBuffer | ArrayBufferView;

/** Turns messages into frames and frames into messages. */
export interface Codec {
  encode(message: unknown): string | ArrayBuffer | Uint8Array;
  /** Text frames arrive as `string`, binary frames as `ArrayBuffer`. */
  decode(data: string | ArrayBuffer): unknown;
}

/** How a connection ended, as `shouldReconnect` and the `close` event see it. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Timers and time, injectable so tests (and `@lifeline/client/testing`) can drive them. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BackoffOptions {
  /** Cap of the first retry's delay, in ms; not above `max`. @default 500 */
  initial?: number;
  /** Largest delay, in ms. @default 30_000 */
  max?: number;
  /** Growth of the cap per retry (≥ 1). @default 2 */
  factor?: number;
  /** `"full"`: uniform in [0, cap]; `"equal"`: half fixed, half random; `"none"`: the cap. @default "full" */
  jitter?: "full" | "equal" | "none";
  /** A connection open this long (ms) resets the retry count. @default 5_000 */
  resetAfter?: number;
}

export interface HeartbeatOptions {
  /** Silence (ms) after which the client sends `ping`. @default 25_000 */
  interval?: number;
  /** Time (ms) to wait for any frame after a ping before the line is dead. @default 10_000 */
  timeout?: number;
  /** The text frame sent as a ping (and answered with `pong` when the server sends it). @default "ping" */
  ping?: string;
  /** The text frame that answers a ping. @default "pong" */
  pong?: string;
}

export interface QueueOptions {
  /** Messages held while the line is down. @default 1_000 */
  max?: number;
  /** What happens to a message beyond `max`. @default "drop-oldest" */
  overflow?: "drop-oldest" | "drop-newest" | "error";
  /** A queued message older than this (ms) is dropped with reason `"expired"`. @default Infinity */
  ttl?: number;
}

/** A Standard Schema v1 validator (standardschema.dev), such as any zod 4 schema. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a schema accepts. */
export type InferInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : unknown;
/** What a schema produces. */
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : unknown;

/** Options of {@link createClient}. Only `url` is required; any other name is refused. */
export interface ClientOptions<In extends StandardSchemaV1 = StandardSchemaV1, Out extends StandardSchemaV1 = StandardSchemaV1> {
  /** `ws:`/`wss:` URL (`http:`/`https:` are turned into `ws:`/`wss:`), or a function returning one, called before every attempt. */
  url: UrlSource;
  /** WebSocket subprotocols. @default none */
  protocols?: string | string[];
  /** The WebSocket constructor. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Schema that every incoming message must pass (zod 4 or any Standard Schema). @default none */
  incoming?: In;
  /** Schema that `send()` checks before sending or queueing. @default none */
  outgoing?: Out;
  /** Frame encoding. @default JSON */
  codec?: Codec;
  /** Connect at `createClient()`; `false` waits in `"idle"` for `connect()`. @default true */
  autoConnect?: boolean;
  /** An attempt not open after this many ms is abandoned (`CONNECT_TIMEOUT`) and counts as a failure. @default 10_000 */
  connectTimeout?: number;
  /** Delays between attempts. @default { initial: 500, max: 30_000, factor: 2, jitter: "full", resetAfter: 5_000 } */
  backoff?: BackoffOptions;
  /** Failed retries in a row before giving up. @default Infinity */
  maxRetries?: number;
  /** Application-level ping/pong, or `false` for none. @default { interval: 25_000, timeout: 10_000, ping: "ping", pong: "pong" } */
  heartbeat?: HeartbeatOptions | false;
  /** The outbound queue used while the line is down. @default { max: 1_000, overflow: "drop-oldest", ttl: Infinity } */
  queue?: QueueOptions;
  /** Whether to reconnect after the server closed. @default reconnect unless 1002, 1003, 1007–1010 or 4400–4499 */
  shouldReconnect?: (close: CloseInfo) => boolean;
  /** `atLeastOnce()` from `@lifeline/client/at-least-once` turns on acknowledged delivery. @default at-most-once */
  delivery?: Feature;
  /** `acrossTabs()` from `@lifeline/client/share`: one connection for every tab. @default none */
  share?: Feature;
  /** Time source and timers. @default the global timers and Date.now */
  clock?: Clock;
  /** Random numbers in [0, 1) for the backoff's jitter (never for session ids). @default Math.random */
  random?: () => number;
  /**
   * Development builds only: `true` logs one line per state change, attempt,
   * close, drop and error with `console.debug`; a function gets each line
   * instead. Production builds leave it out entirely. @default false
   */
  debug?: boolean | ((line: string) => void);
}

export type ResolvedBackoff = Required<BackoffOptions>;
export type ResolvedHeartbeat = Required<HeartbeatOptions>;
export type ResolvedQueue = Required<QueueOptions>;

/** The options as the client and its features read them (the url is not among them: the client keeps it privately). */
export interface ResolvedOptions {
  protocols: string | string[] | undefined;
  WebSocket: WebSocketConstructor;
  incoming: StandardSchemaV1;
  outgoing: StandardSchemaV1;
  codec: Codec;
  autoConnect: boolean;
  connectTimeout: number;
  backoff: ResolvedBackoff;
  maxRetries: number;
  heartbeat: ResolvedHeartbeat | false;
  queue: ResolvedQueue;
  shouldReconnect: (close: CloseInfo) => boolean;
  delivery: Feature | undefined;
  share: Feature | undefined;
  clock: Clock;
  random: () => number;
  debug: boolean | ((line: string) => void);
}

// ---- the extension contract (see extension.ts) ------------------------------

/** Emits an event of the client (delivered in order, after the change under way). */
export interface Emitter {
  emit(type: string, payload: unknown): void;
  on(type: string, handler: (event: any) => void): void;
  off(type: string, handler: (event: any) => void): void;
}

/** One message on its way out: what the user passed, its encoded frame, when it was queued, what features attached. */
export interface Entry<T = unknown> {
  readonly message: T;
  readonly wire: string | ArrayBuffer | Uint8Array;
  at: number;
  readonly meta?: Meta | undefined;
}

/** What a feature attaches to an outgoing message. */
export interface Meta {
  /** A request's correlation id. */
  readonly id?: string;
}

/** Passes an incoming value on to the next feature (and finally to validation and `message`); `re` marks a reply, `data` is what `invalid` shows (the application's message as it came). */
export type Next = (value: unknown, re: unknown, data: unknown) => void | Promise<void>;

/** What the core lends a feature (the client itself): its options, its events (emit/on/off), and the members below. */
export interface Line extends Emitter {
  readonly options: ResolvedOptions;
  /** True while a socket is open. */
  readonly isOpen: boolean;
  /** Writes a frame to the open socket; false (and a reconnect) if it refuses. */
  write(frame: Frame): boolean;
  /** Sends what the queue holds, as far as the line and the features let it. */
  flush(): void;
  /** Messages waiting in the core's queue. */
  readonly queued: number;
  /** Validates `value` against `schema`; calls `done` with the result, or reports `invalid` (showing `data`) and calls `fail`. */
  check(data: unknown, value: unknown, schema: StandardSchemaV1, done: (value: unknown) => void, fail?: (error: Error) => void): void | Promise<void>;
  /** Sends `message` through the client as `send()` does, with `meta` for the features (a request id). */
  send(message: unknown, meta?: Meta): "sent" | "queued" | "dropped";
  /** Drops the socket and tries again at once, as `reconnect()` does. */
  reconnect(): void;
  /** Offers an envelope of a kind its carrier does not know to the features' `claim` hooks; false when none took it. */
  claim(value: unknown): boolean;
}

export interface Extension {
  /** Supplies the socket for an attempt (a relay to another tab); `undefined`: the usual socket. Its events must carry `target` = that socket (or none). */
  socket?(href: string, protocols: string | string[] | undefined): WebSocketLike | undefined;
  /** `connect()` from idle or closed. */
  start?(): void;
  /** The socket opened; runs before the queue is flushed (handshakes, resends, resubscriptions). */
  open?(): void;
  /** A decoded incoming value: consume it, or pass it on with `next`. A promise holds later frames until it settles. */
  receive?(data: unknown, value: unknown, next: Next, re?: unknown): void | Promise<void>;
  /** An envelope of a kind the carrier (acknowledged delivery) does not know: true when this feature consumed it. */
  claim?(value: unknown): boolean;
  /** Writes a queued message (through `line.write`); false leaves it queued (flow control, or the line went down). */
  transmit?(entry: Entry): boolean;
  /** What a message turns into before encoding (a request id merged in). */
  outgoing?(message: unknown, meta: Meta | undefined): unknown;
  /** `close()` is about to close an open line: last words (a final ack) go out now. */
  closing?(): void;
  /** The socket (open or opening) was let go. */
  lost?(): void;
  /** The client closed or gave up. */
  stop?(): void;
  /** Messages the feature holds beyond the queue (sent, not yet acknowledged), oldest first. */
  pending?(): unknown[];
}

/** An opt-in feature (`atLeastOnce()`, `acrossTabs()`): a factory the client calls once with the line it lends. */
export type Feature = (line: Line) => Extension;
