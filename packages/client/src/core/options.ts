// Every default in one place, and the defaults object doubles as the table
// of rules: an option must have its default's type (a number ≥ 0, finite
// unless the default is Infinity; a boolean; a non-empty string; an object
// with its default's members, as in `codec`, `clock` and a schema's
// `~standard`); the few refinements no type says (a floor, a whole number, a
// choice of words) are the small tables below. Unknown names are refused.
// One recursive function does all of it (`take`): what pays in bytes is
// fewer functions, and the long messages exist in development builds only.
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
/** Numbers that count: whole (`value % 1` is 0; for any other name `value % undefined` is NaN, falsy). */
const COUNTS: Record<string, number> = { maxRetries: 1, "queue.max": 1 };
/** Options given in part, the rest from the defaults. */
const NESTED = ["backoff", "heartbeat", "queue"];
/** A plain object (not null, not an array): what a nested option, or a message that carries a request id, must be. @internal */
export const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);

// (the spread copies the WebSocket getter as a value: the name is known either way)
const KNOWN: Record<string, unknown> = { ...DEFAULTS, url: 0, delivery: 0, share: 0 };

/**
 * What the client keeps of `value`, given for option `name` (dotted; `key`
 * its last part) whose default is `fallback`; throws if it does not fit.
 * The options themselves and a nested option are merged over their default:
 * what was given is kept in an object whose prototype is the default, so a
 * client holds only what it was given (and one given nothing but its url
 * shares DEFAULTS itself); unknown names are refused (own names only:
 * `constructor` is no option, whatever Object.prototype says). Anything else
 * must have its default's type (no default: a function, a feature made by
 * its entry point); a number must also reach its floor, be finite unless the
 * default is Infinity, and be whole where it counts; a string must not be
 * empty; an object must have each member of its default, checked the same
 * way (a schema: `~standard` with a `validate` function, a numeric
 * `version` and a `vendor`, as Standard Schema v1 says).
 */
function take(value: any, fallback: any, name: string, key: string): any {
  const type = typeof (fallback ?? take);
  // heartbeat: false turns it off
  if (value === false && key === "heartbeat") return value;
  if (!name || NESTED.includes(key)) {
    if (!isObject(value)) refuse(name || "options", value);
    let own: any;
    // own names only (for…in would also walk names an old library added to Object.prototype)
    for (const k of Object.keys(value)) {
      const given = value[k];
      const path = name ? `${name}.${k}` : k;
      if (!Object.hasOwn(name ? fallback : KNOWN, k)) refuse(path, given);
      // the url is not kept here: the client holds it privately (tokens travel in it)
      if (given !== undefined && k !== "url") (own ??= {})[k] = take(given, fallback[k], path, k);
    }
    // assigned to a plain object, then given its prototype: an assignment over the prototype would call
    // DEFAULTS' WebSocket getter's missing setter
    return own ? Object.setPrototypeOf(own, fallback) : fallback;
  }
  if (
    CHOICES[key]
      ? CHOICES[key].includes(value)
      : key === "protocols"
        ? // a string, or an array of strings
          [value].flat().every((p) => typeof p === "string")
        : // debug: a logger function too
          (key === "debug" && typeof value === "function") ||
          (typeof value === type &&
            value !== "" &&
            // a number: at its floor, finite unless its default is Infinity, whole where it counts (Infinity % 1 is NaN)
            (type !== "number" || (value >= (MIN[key] ?? 0) && (value < Infinity || value === fallback) && !(value % COUNTS[name]!))) &&
            // an object: each member of its default, checked the same way (each is truthy when it fits)
            (type !== "object" || (isObject(value) && Object.keys(fallback).every((k) => take(value[k], fallback[k], `${name}.${k}`, k)))))
  )
    return value;
  refuse(name, value, fallback);
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
  if (name === "WebSocket") return "must be a WebSocket constructor (pass the WebSocket option where the runtime has none)";
  if (CHOICES[key]) return `must be one of "${CHOICES[key].join('", "')}"`;
  switch (typeof fallback) {
    case "number": {
      const kind = COUNTS[name] ? "integer" : key === "factor" ? "number" : "number of ms";
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
      return /^(in|out)going\b/.test(name)
        ? "must be a Standard Schema such as a zod 4 schema"
        : methods.length
          ? `must be an object with ${methods.join("(), ")}()`
          : `must be an object${key === "heartbeat" ? " or false" : ""}`;
    }
  }
  return key === "protocols" ? "must be a string or an array of strings" : "must be made by its entry point (atLeastOnce(), acrossTabs())";
}

/** Throws `INVALID_OPTIONS` (`NO_WEBSOCKET` for the WebSocket): the option and the value as given, and in development builds what was expected. */
function refuse(name: string, value: unknown, fallback?: unknown): never {
  throw new LifelineError(
    name === "WebSocket" ? "NO_WEBSOCKET" : "INVALID_OPTIONS",
    (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `${name} ${expected(name, name.split(".").pop()!, fallback)}, got ${show(value)}` : `${name} got ${show(value)}`,
  );
}

/** Merges user options over {@link DEFAULTS}, checking each; throws `INVALID_OPTIONS` naming the option and the value as given. */
export function resolveOptions(options: ClientOptions<any, any>): ResolvedOptions {
  const o = take(options, DEFAULTS, "", "");
  if (typeof options.url !== "function") checkUrl(options.url);
  // no WebSocket option and no global one (one given that is not a function was refused above)
  if (typeof o.WebSocket !== "function") refuse("WebSocket", o.WebSocket);
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
