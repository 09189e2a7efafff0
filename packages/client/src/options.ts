import { defaultShouldReconnect } from "./close-codes.js";
import { LifelineError, describe } from "./errors.js";
import type { StandardSchemaV1 } from "./schema.js";

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
  /** Cap of the first retry's delay, in ms. @default 500 */
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

/** Options of {@link createClient}. Only `url` is required. */
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
  /** An attempt not open after this many ms is abandoned and counts as a failure. @default 10_000 */
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
  /** `"at-least-once"` turns on acknowledged delivery (needs a cooperating server). @default "at-most-once" */
  delivery?: "at-most-once" | "at-least-once";
  /** Default `timeout` of `request()`, in ms. @default 10_000 */
  requestTimeout?: number;
  /** Time source and timers. @default the global timers and Date.now */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter and session ids. @default Math.random */
  random?: () => number;
}

export type ResolvedBackoff = Required<BackoffOptions>;
export type ResolvedHeartbeat = Required<HeartbeatOptions>;
export type ResolvedQueue = Required<QueueOptions>;

export interface ResolvedOptions {
  url: UrlSource;
  protocols: string | string[] | undefined;
  WebSocket: WebSocketConstructor;
  incoming: StandardSchemaV1 | undefined;
  outgoing: StandardSchemaV1 | undefined;
  codec: Codec;
  autoConnect: boolean;
  connectTimeout: number;
  backoff: ResolvedBackoff;
  maxRetries: number;
  heartbeat: ResolvedHeartbeat | false;
  queue: ResolvedQueue;
  shouldReconnect: (close: CloseInfo) => boolean;
  delivery: "at-most-once" | "at-least-once";
  requestTimeout: number;
  clock: Clock;
  random: () => number;
}

const textDecoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });

/** The default codec: JSON text frames; binary frames are read as UTF-8 JSON. */
export const jsonCodec: Codec = {
  encode: (message) => {
    const text = JSON.stringify(message);
    // JSON.stringify(undefined) and friends give undefined, not a string
    if (typeof text !== "string") throw new TypeError(`cannot encode ${typeof message} as JSON`);
    return text;
  },
  decode: (data) => JSON.parse(typeof data === "string" ? data : textDecoder.decode(data)),
};

const systemClock: Clock = {
  // looked up at call time so fake timers installed later still apply
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Every default in one place. */
export const DEFAULTS = {
  protocols: undefined,
  codec: jsonCodec,
  autoConnect: true,
  connectTimeout: 10_000,
  backoff: { initial: 500, max: 30_000, factor: 2, jitter: "full", resetAfter: 5_000 },
  maxRetries: Infinity,
  heartbeat: { interval: 25_000, timeout: 10_000, ping: "ping", pong: "pong" },
  queue: { max: 1_000, overflow: "drop-oldest", ttl: Infinity },
  shouldReconnect: defaultShouldReconnect,
  delivery: "at-most-once",
  requestTimeout: 10_000,
} as const satisfies Partial<ResolvedOptions>;

function invalid(message: string): LifelineError {
  return new LifelineError("INVALID_OPTIONS", message);
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  try {
    return String(JSON.stringify(value) ?? value);
  } catch {
    // JSON cannot take it (a BigInt, a cycle): plain text, safe even without a prototype
    return describe(value);
  }
}

function duration(name: string, value: unknown, { allowInfinity = false, positive = false } = {}): number {
  if (typeof value !== "number" || Number.isNaN(value) || (!allowInfinity && !Number.isFinite(value)) || value < 0 || (positive && value === 0)) {
    const what = positive ? "a positive" : "a non-negative";
    throw invalid(`${name} must be ${what}${allowInfinity ? "" : " finite"} number of ms, got ${show(value)}`);
  }
  return value;
}

function count(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value === Infinity || (Number.isInteger(value) && value >= 0))) {
    throw invalid(`${name} must be a non-negative integer or Infinity, got ${show(value)}`);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw invalid(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${show(value)}`);
  }
  return value as T;
}

function object<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`${name} must be an object, got ${show(value)}`);
  }
  return value as Partial<T>;
}

function fn<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "function") throw invalid(`${name} must be a function, got ${show(value)}`);
  return value as T;
}

function schema(name: string, value: unknown): StandardSchemaV1 | undefined {
  if (value === undefined) return undefined;
  const standard = (value as StandardSchemaV1 | null)?.["~standard"];
  if (typeof standard?.validate !== "function") {
    throw invalid(`${name} must be a Standard Schema such as a zod 4 schema, got ${show(value)}`);
  }
  return value as StandardSchemaV1;
}

/** Strips credentials and the query so URLs can appear in messages without leaking tokens. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "***";
      parsed.password = "";
    }
    if (parsed.search) parsed.search = "?***";
    return parsed.toString();
  } catch {
    return "<unparsable url>";
  }
}

/** `text` with `url`, its credentials and its query masked: for messages that quote a URL (a runtime's error may). */
export function redactIn(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const { username, password, search } = new URL(url);
    const userinfo = username || password ? `${username}${password ? `:${password}` : ""}@` : "";
    if (userinfo) out = out.split(userinfo).join("***@");
    if (search) out = out.split(search).join("?***");
  } catch {
    // not a URL: only the whole string could be masked, and was
  }
  return out;
}

/**
 * Checks a URL and returns it as a `ws:`/`wss:` string; `http:`/`https:`
 * become `ws:`/`wss:`. Throws with `code` (INVALID_OPTIONS at createClient,
 * URL_ERROR for what a url function returned).
 */
export function normalizeUrl(value: unknown, code: "INVALID_OPTIONS" | "URL_ERROR" = "INVALID_OPTIONS"): string {
  let parsed: URL;
  try {
    if (typeof value !== "string" && !(typeof value === "object" && value !== null && typeof (value as URL).href === "string")) {
      throw new TypeError("not a string or URL");
    }
    parsed = new URL(String(value));
  } catch {
    // no `cause`: URL's TypeError carries the raw input (credentials, tokens) in its `input` field
    const href = typeof value === "string" ? value : (value as { href?: unknown } | null | undefined)?.href;
    const shown = typeof href === "string" ? redactUrl(href) : show(value);
    throw new LifelineError(code, `url must be a ws: or wss: URL, got ${shown}`);
  }
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  else if (parsed.protocol === "https:") parsed.protocol = "wss:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new LifelineError(code, `url must use ws: or wss:, got ${parsed.protocol} in ${redactUrl(parsed.href)}`);
  }
  return parsed.href;
}

/** Merges user options over {@link DEFAULTS}, validating each; throws `INVALID_OPTIONS` naming the option. */
export function resolveOptions(options: ClientOptions<any, any>): ResolvedOptions {
  if (typeof options !== "object" || options === null) throw invalid(`options must be an object, got ${show(options)}`);

  const url = options.url;
  if (typeof url !== "function") normalizeUrl(url);

  const WebSocketCtor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocketCtor !== "function") {
    throw new LifelineError(
      "NO_WEBSOCKET",
      options.WebSocket === undefined
        ? "no WebSocket: this runtime has no global WebSocket; pass one as the WebSocket option"
        : `WebSocket must be a constructor, got ${show(options.WebSocket)}`,
    );
  }

  const protocols = options.protocols;
  if (protocols !== undefined && typeof protocols !== "string" && !(Array.isArray(protocols) && protocols.every((p) => typeof p === "string"))) {
    throw invalid(`protocols must be a string or an array of strings, got ${show(protocols)}`);
  }

  const codec = options.codec ?? DEFAULTS.codec;
  if (typeof codec !== "object" || codec === null || typeof codec.encode !== "function" || typeof codec.decode !== "function") {
    throw invalid(`codec must be an object with encode() and decode(), got ${show(codec)}`);
  }

  if (options.codec !== undefined && options.delivery === "at-least-once") {
    throw invalid(`codec cannot be combined with delivery "at-least-once", which speaks JSON envelopes`);
  }

  const autoConnect = options.autoConnect ?? DEFAULTS.autoConnect;
  if (typeof autoConnect !== "boolean") throw invalid(`autoConnect must be a boolean, got ${show(autoConnect)}`);

  const b = object<BackoffOptions>("backoff", options.backoff);
  const backoff: ResolvedBackoff = {
    initial: duration("backoff.initial", b.initial ?? DEFAULTS.backoff.initial),
    max: duration("backoff.max", b.max ?? DEFAULTS.backoff.max),
    factor: b.factor ?? DEFAULTS.backoff.factor,
    jitter: oneOf("backoff.jitter", b.jitter ?? DEFAULTS.backoff.jitter, ["full", "equal", "none"] as const),
    resetAfter: duration("backoff.resetAfter", b.resetAfter ?? DEFAULTS.backoff.resetAfter),
  };
  if (typeof backoff.factor !== "number" || !Number.isFinite(backoff.factor) || backoff.factor < 1) {
    throw invalid(`backoff.factor must be a finite number ≥ 1, got ${show(backoff.factor)}`);
  }

  let heartbeat: ResolvedHeartbeat | false = false;
  if (options.heartbeat !== false) {
    const h = object<HeartbeatOptions>("heartbeat", options.heartbeat);
    heartbeat = {
      interval: duration("heartbeat.interval", h.interval ?? DEFAULTS.heartbeat.interval, { positive: true }),
      timeout: duration("heartbeat.timeout", h.timeout ?? DEFAULTS.heartbeat.timeout, { positive: true }),
      ping: h.ping ?? DEFAULTS.heartbeat.ping,
      pong: h.pong ?? DEFAULTS.heartbeat.pong,
    };
    for (const key of ["ping", "pong"] as const) {
      if (typeof heartbeat[key] !== "string" || heartbeat[key] === "") {
        throw invalid(`heartbeat.${key} must be a non-empty string, got ${show(heartbeat[key])}`);
      }
    }
  }

  const q = object<QueueOptions>("queue", options.queue);
  const queue: ResolvedQueue = {
    max: count("queue.max", q.max ?? DEFAULTS.queue.max),
    overflow: oneOf("queue.overflow", q.overflow ?? DEFAULTS.queue.overflow, ["drop-oldest", "drop-newest", "error"] as const),
    ttl: duration("queue.ttl", q.ttl ?? DEFAULTS.queue.ttl, { allowInfinity: true, positive: true }),
  };

  const clock = options.clock ?? systemClock;
  if (typeof clock !== "object" || clock === null || ["now", "setTimeout", "clearTimeout"].some((k) => typeof clock[k as keyof Clock] !== "function")) {
    throw invalid(`clock must have now(), setTimeout() and clearTimeout(), got ${show(clock)}`);
  }

  return {
    url,
    protocols,
    WebSocket: WebSocketCtor,
    incoming: schema("incoming", options.incoming),
    outgoing: schema("outgoing", options.outgoing),
    codec,
    autoConnect,
    connectTimeout: duration("connectTimeout", options.connectTimeout ?? DEFAULTS.connectTimeout, { positive: true }),
    // untouched defaults are shared, not copied per client
    backoff: options.backoff === undefined ? DEFAULTS.backoff : backoff,
    maxRetries: count("maxRetries", options.maxRetries ?? DEFAULTS.maxRetries),
    heartbeat: options.heartbeat === undefined ? DEFAULTS.heartbeat : heartbeat,
    queue: options.queue === undefined ? DEFAULTS.queue : queue,
    shouldReconnect: fn("shouldReconnect", options.shouldReconnect, DEFAULTS.shouldReconnect),
    delivery: oneOf("delivery", options.delivery ?? DEFAULTS.delivery, ["at-most-once", "at-least-once"] as const),
    requestTimeout: duration("requestTimeout", options.requestTimeout ?? DEFAULTS.requestTimeout, { positive: true }),
    clock,
    random: fn("random", options.random, Math.random),
  };
}
