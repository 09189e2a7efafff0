// Every default in one place, and the defaults object doubles as the table
// of rules: an option must have its default's type (a number ≥ 0, finite
// unless the default is Infinity; a boolean; a non-empty string; an object
// whose functions are functions, as in `codec` and `clock`); the few
// refinements no type says (a minimum, an integer, a choice of words) are
// the small tables below. Unknown names are refused.
import { LifelineError, invalidOption, show } from "./errors.js";
import { defaultShouldReconnect } from "./retry.js";
import { IDENTITY } from "./schema.js";
import type { ClientOptions, Codec, Clock, ResolvedOptions, WebSocketConstructor } from "./types.js";
import { checkUrl } from "./url.js";

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
  // looked up at call time so fake timers installed later still apply; only differences are ever used.
  // Math.round of a whole number: V8 then stores it as a small integer in the client's fields, where a
  // subtraction's result would be boxed (16 B for each of the client's time fields)
  now: () => Math.round(Date.now() - EPOCH),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Words an option may be; the first is its default. */
const CHOICES: Record<string, readonly string[]> = {
  jitter: ["full", "equal", "none"],
  overflow: ["drop-oldest", "drop-newest", "error"],
};

/** Every default in one place (the rules of the options too, see above). */
export const DEFAULTS = {
  protocols: undefined,
  incoming: IDENTITY,
  outgoing: IDENTITY,
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
  debug: false,
  /** The runtime's global `WebSocket`, read at each attempt (a polyfill installed later counts). */
  get WebSocket(): WebSocketConstructor {
    return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket!;
  },
} as const;

/** Numbers with a floor above 0 (5e-324, the smallest number above 0: anything above 0). */
const MIN: Record<string, number> = { connectTimeout: 5e-324, interval: 5e-324, timeout: 5e-324, ttl: 5e-324, factor: 1 };
/** Numbers that count. */
const COUNTS = ["maxRetries", "queue.max"];
/** Options given in part, the rest from the defaults. */
const NESTED = ["backoff", "heartbeat", "queue"];
/** A plain object (not null, not an array): what a nested option, or a message that carries a request id, must be. @internal */
export const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Whether `value` may stand where `fallback` is the default; `name` is the
 * dotted option name, `key` its last part. The default's type is the rule (no
 * default: a function, a feature made by its entry point); a number must
 * also reach its floor, be finite unless the default is Infinity, and be
 * whole where it counts; a string must not be empty; an object must have its
 * default's methods (a schema: `validate` one level down, in `~standard`).
 */
function fits(value: any, fallback: any, name: string, key: string): unknown {
  // no default: a function (a feature made by its entry point)
  const type = typeof (fallback ?? fits);
  return CHOICES[key]
    ? CHOICES[key].includes(value)
    : key === "protocols"
      ? // a string, or an array of strings
        [value].flat().every((p) => typeof p === "string")
      : // debug: a logger function too
        (key === "debug" && typeof value === "function") ||
        (typeof value === type &&
          value !== "" &&
          // a number: at its floor, finite unless its default is Infinity, whole where it counts (Infinity % 1 is NaN)
          (type !== "number" || (value >= (MIN[key] ?? 0) && (value < Infinity || fallback === Infinity) && !(COUNTS.includes(name) && value % 1))) &&
          // an object: its default's methods, and a schema's `~standard` with its `validate`, checked the same way
          (type !== "object" ||
            (isObject(value) && Object.keys(fallback).every((k) => (typeof fallback[k] !== "function" && !isObject(fallback[k])) || fits(value[k], fallback[k], name, k)))));
}

/** Names of other reconnecting sockets, and what lifeline calls them (development builds only). */
const ALIASES: Record<string, string> = {
  minReconnectionDelay: "backoff.initial",
  reconnectDelay: "backoff.initial",
  reconnectInterval: "backoff.initial",
  maxReconnectionDelay: "backoff.max",
  maxReconnectDelay: "backoff.max",
  reconnectionDelayGrowFactor: "backoff.factor",
  minUptime: "backoff.resetAfter",
  connectionTimeout: "connectTimeout",
  timeout: "connectTimeout",
  maxEnqueuedMessages: "queue.max",
  maxReconnectAttempts: "maxRetries",
  startClosed: "autoConnect: false",
};

/** What an option must be, in words (development builds only). */
function expected(name: string, key: string, fallback: unknown): string {
  if (!Object.hasOwn(KNOWN, name.split(".")[0]!) || (name.includes(".") && fallback === undefined)) {
    return `is not an option of createClient${Object.hasOwn(ALIASES, name) ? ` (lifeline calls it ${ALIASES[name]})` : ""}`;
  }
  if (CHOICES[key]) return `must be one of "${CHOICES[key].join('", "')}"`;
  switch (typeof fallback) {
    case "number": {
      const kind = COUNTS.includes(name) ? "integer" : key === "factor" ? "number" : "number of ms";
      const floor = MIN[key] === 1 ? "≥ 1" : MIN[key] ? "> 0" : "≥ 0";
      return fallback === Infinity ? `must be ${kind === "integer" ? "an" : "a"} ${kind} ${floor} or Infinity` : `must be a finite ${kind} ${floor}`;
    }
    case "boolean":
      return key === "debug" ? "must be a boolean or a logger function" : "must be a boolean";
    case "string":
      return "must be a non-empty string";
    case "function":
      return "must be a function";
    case "object": {
      const methods = Object.keys(fallback as object).filter((k) => typeof (fallback as Record<string, unknown>)[k] === "function");
      return key === "incoming" || key === "outgoing"
        ? "must be a Standard Schema such as a zod 4 schema"
        : methods.length
          ? `must be an object with ${methods.join("(), ")}()`
          : `must be an object${key === "heartbeat" ? " or false" : ""}`;
    }
  }
  return key === "protocols" ? "must be a string or an array of strings" : "must be made by its entry point (atLeastOnce(), acrossTabs())";
}

/** Throws `INVALID_OPTIONS`: the option and the value as given, and in development builds what was expected. */
function refuse(name: string, value: unknown, fallback?: unknown): never {
  throw invalidOption(
    (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `${name} ${expected(name, name.split(".").pop()!, fallback)}, got ${show(value)}` : `${name} got ${show(value)}`,
  );
}

// (the spread copies the WebSocket getter as a value: the name is known either way)
const KNOWN: Record<string, unknown> = { ...DEFAULTS, url: 0, delivery: 0, share: 0 };

/**
 * Checks `given` against `defaults` and returns them merged: what was not
 * given is read through the prototype, so a client holds only what it was
 * given (and one given nothing but its url shares DEFAULTS itself). Nested
 * options (`path` their prefix) are merged the same way over their default.
 * `known`: the names allowed here, own names only (`constructor` or
 * `toString` are not options, whatever Object.prototype says).
 */
function merge(given: unknown, defaults: any, known: object, path: string): any {
  if (!isObject(given)) refuse(path.slice(0, -1) || "options", given, {});
  let out = defaults;
  // own names only (for…in would also walk names an old library added to Object.prototype)
  for (const [key, value] of Object.entries(given as object)) {
    const name = path + key;
    const fallback = defaults[key];
    if (!Object.hasOwn(known, key)) refuse(name, value);
    // the url is not kept here: the client holds it privately (tokens travel in it)
    if (value === undefined || key === "url") continue;
    if (out === defaults) out = Object.create(defaults);
    // the WebSocket given is defined over DEFAULTS' getter, which an assignment would call
    if (key === "WebSocket") Object.defineProperty(out, key, { value });
    else
      out[key] = NESTED.includes(key)
        ? // heartbeat: false turns it off
          key === "heartbeat" && value === false
          ? value
          : merge(value, fallback, fallback, `${name}.`)
        : fits(value, fallback, name, key)
          ? value
          : refuse(name, value, fallback);
  }
  return out;
}

/** Merges user options over {@link DEFAULTS}, checking each; throws `INVALID_OPTIONS` naming the option and the value as given. */
export function resolveOptions(options: ClientOptions<any, any>): ResolvedOptions {
  const o = merge(options, DEFAULTS, KNOWN, "");
  if (typeof options.url !== "function") checkUrl(options.url);
  const { WebSocket } = o;
  if (typeof WebSocket !== "function") throw new LifelineError("NO_WEBSOCKET", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `WebSocket ${options.WebSocket === undefined ? "missing: pass the WebSocket option" : show(WebSocket)}` : `WebSocket ${show(WebSocket)}`);
  const { initial, max } = o.backoff;
  if (initial > max) {
    throw invalidOption(
      (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
        ? `backoff.initial (${initial}) must not be above backoff.max (${max}): the first delay would exceed the largest`
        : `backoff.initial ${initial} > backoff.max ${max}`,
    );
  }
  if (options.delivery && options.codec) throw invalidOption((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "codec cannot be combined with delivery (its envelopes are JSON)" : "codec + delivery");
  return o as ResolvedOptions;
}
