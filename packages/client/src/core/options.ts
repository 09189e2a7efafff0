import { LifelineError, describe } from "./errors.js";
import type { Extension, Line } from "./extension.js";
import { defaultShouldReconnect } from "./retry.js";
import type { StandardSchemaV1 } from "./schema.js";
import { checkUrl } from "./url.js";

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

/**
 * An opt-in feature (`atLeastOnce()`, `acrossTabs()`): a factory the client
 * calls once with the line it lends. Made by the feature's entry point;
 * its shape is internal.
 */
export type Feature = (line: Line) => Extension;

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
  /** `atLeastOnce()` from `@lifeline/client/at-least-once` turns on acknowledged delivery. @default at-most-once */
  delivery?: Feature;
  /** `acrossTabs()` from `@lifeline/client/share`: one connection for every tab. @default none */
  share?: Feature;
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
  delivery: Feature | undefined;
  share: Feature | undefined;
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

// Times are kept relative to when lifeline was loaded: small integers, which
// V8 stores inline, where epoch milliseconds would each take a heap number.
const EPOCH = /* @__PURE__ */ Date.now();

const systemClock: Clock = {
  // looked up at call time so fake timers installed later still apply; only differences are ever used
  now: () => Date.now() - EPOCH,
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
  clock: systemClock,
  random: Math.random,
} as const satisfies Partial<ResolvedOptions>;

/** An option value as text for an error message (JSON where it can be, never throwing). */
export function show(value: unknown): string {
  if (typeof value === "function") return "a function";
  // JSON would say null for Infinity and NaN
  if (typeof value === "number") return String(value);
  try {
    return String(JSON.stringify(value) ?? value);
  } catch {
    // a BigInt, a cycle: plain text, safe even without a prototype
    return describe(value);
  }
}

// ---- the rules: one table that both checks an option and words its error ----

const isFunction = (v: unknown) => typeof v === "function";
const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && v >= 0 && v < Infinity;
const count = (v: unknown) => v === Infinity || (Number.isInteger(v) && (v as number) >= 0);
const text = (v: unknown) => typeof v === "string" && v !== "";
const optional = (test: (v: any) => unknown) => (v: unknown) => v === undefined || test(v);
const oneOf = (...values: string[]) => [(v: string) => values.includes(v), `one of "${values.join('", "')}"`] as const;

/** Each kind of value: its test, and how an error words what was expected. */
const KINDS: Record<string, readonly [test: (value: any) => unknown, expected: string]> = {
  ms: [finite, "a finite number of ms ≥ 0"],
  positive: [(v) => finite(v) && v > 0, "a finite number of ms > 0"],
  count: [count, "an integer ≥ 0 or Infinity"],
  factor: [(v) => finite(v) && v >= 1, "a finite number ≥ 1"],
  ttl: [(v) => v === Infinity || (finite(v) && v > 0), "a number of ms > 0 or Infinity"],
  text: [text, "a non-empty string"],
  boolean: [(v) => typeof v === "boolean", "a boolean"],
  function: [isFunction, "a function"],
  object: [isObject, "an object"],
  heartbeat: [(v) => v === false || isObject(v), "an object or false"],
  protocols: [optional((v) => typeof v === "string" || (Array.isArray(v) && v.every((p) => typeof p === "string"))), "a string or an array of strings"],
  codec: [(v) => isFunction(v?.encode) && isFunction(v.decode), "an object with encode() and decode()"],
  clock: [(v) => isFunction(v?.now) && isFunction(v.setTimeout) && isFunction(v.clearTimeout), "an object with now(), setTimeout() and clearTimeout()"],
  schema: [optional((v) => isFunction(v?.["~standard"]?.validate)), "a Standard Schema such as a zod 4 schema"],
  feature: [optional(isFunction), "made by its entry point (atLeastOnce(), acrossTabs())"],
  jitter: oneOf("full", "equal", "none"),
  overflow: oneOf("drop-oldest", "drop-newest", "error"),
};

/** Every option and its kind, checked in this order; a dotted name is a nested option. */
const RULES = Object.entries({
  protocols: "protocols",
  codec: "codec",
  autoConnect: "boolean",
  connectTimeout: "positive",
  backoff: "object",
  "backoff.initial": "ms",
  "backoff.max": "ms",
  "backoff.factor": "factor",
  "backoff.jitter": "jitter",
  "backoff.resetAfter": "ms",
  maxRetries: "count",
  heartbeat: "heartbeat",
  "heartbeat.interval": "positive",
  "heartbeat.timeout": "positive",
  "heartbeat.ping": "text",
  "heartbeat.pong": "text",
  queue: "object",
  "queue.max": "count",
  "queue.overflow": "overflow",
  "queue.ttl": "ttl",
  incoming: "schema",
  outgoing: "schema",
  shouldReconnect: "function",
  delivery: "feature",
  share: "feature",
  clock: "clock",
  random: "function",
});

/** A nested option: `given` over `defaults`, skipping what is `undefined`; untouched, the defaults themselves (shared by every client). */
function merge<T extends object>(defaults: T, given: unknown): T {
  if (!isObject(given)) return (given === undefined ? defaults : given) as T;
  const out: Record<string, unknown> = { ...(defaults as object) };
  for (const [key, value] of Object.entries(given as object)) if (value !== undefined) out[key] = value;
  return out as T;
}

export function invalidOption(message: string): LifelineError {
  return new LifelineError("INVALID_OPTIONS", message);
}

/** Merges user options over {@link DEFAULTS} and checks each against {@link RULES}; throws `INVALID_OPTIONS` naming the option and the value. */
export function resolveOptions(options: ClientOptions<any, any>): ResolvedOptions {
  if (!isObject(options)) throw invalidOption(`options must be an object, got ${show(options)}`);
  if (typeof options.url !== "function") checkUrl(options.url);
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!isFunction(WebSocket)) {
    throw new LifelineError("NO_WEBSOCKET", options.WebSocket === undefined ? "no global WebSocket: pass the WebSocket option" : `WebSocket must be a constructor, got ${show(WebSocket)}`);
  }
  // what was not given is read through the prototype from DEFAULTS: a client holds only what it was given
  const o = Object.create(DEFAULTS) as ResolvedOptions & Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) if (value !== undefined) o[key] = value;
  o.WebSocket = WebSocket;
  for (const key of ["backoff", "heartbeat", "queue"] as const) o[key] = merge(DEFAULTS[key], options[key]) as never;
  for (const [name, kind] of RULES) {
    const [test, expected] = KINDS[kind]!;
    const [outer, inner] = name.split(".") as [keyof ResolvedOptions, string?];
    const parent = o[outer] as Record<string, unknown> | false;
    if (inner !== undefined && !parent) continue;
    const value = inner === undefined ? parent : parent && parent[inner];
    if (!test(value)) throw invalidOption(`${name} must be ${expected}, got ${show(value)}`);
  }
  if (o.delivery && options.codec) throw invalidOption("codec cannot be combined with delivery (its envelopes are JSON)");
  return o;
}
