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
const isObject = (value: any) => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether `value` may stand where `fallback` is the default; `name` is the dotted option name, `key` its last part. */
function fits(value: any, fallback: any, name: string, key: string): unknown {
  const type = typeof fallback;
  return CHOICES[key]
    ? CHOICES[key].includes(value)
    : type === "number"
      ? typeof value === "number" && value >= (MIN[key] ?? 0) && (value < Infinity ? !COUNTS.includes(name) || Number.isInteger(value) : fallback === Infinity)
      : type === "boolean"
        ? // debug: a logger function too
          typeof value === "boolean" || (key === "debug" && typeof value === "function")
        : type === "string"
          ? typeof value === "string" && value !== ""
          : type === "object"
            ? // a schema's validate sits one level down; a codec's or clock's methods at the top
              isObject(value) && Object.keys(fallback).every((k) => typeof fallback[k] !== "function" || typeof value[k] === "function") &&
              (!fallback["~standard"] || typeof value["~standard"]?.validate === "function")
            : // a function, or no default: protocols, or a feature made by its entry point
              key === "protocols"
              ? typeof value === "string" || (Array.isArray(value) && value.every((p) => typeof p === "string"))
              : typeof value === "function";
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

const KNOWN: Record<string, unknown> = { ...DEFAULTS, url: 0, WebSocket: 0, delivery: 0, share: 0 };

/** The value an option takes: `value` checked against its default (merged over it, for a nested option). */
function take(name: string, key: string, value: unknown, fallback: any): unknown {
  if (value === undefined) return fallback;
  if (!NESTED.includes(name) || value === false) return fits(value, fallback, name, key) || (key === "heartbeat" && value === false) ? value : refuse(name, value, fallback);
  if (!isObject(value)) refuse(name, value, {});
  const merged = { ...fallback };
  for (const [k, v] of Object.entries(value as object)) merged[k] = Object.hasOwn(fallback, k) ? take(`${name}.${k}`, k, v, fallback[k]) : refuse(`${name}.${k}`, v);
  return merged;
}

/** Merges user options over {@link DEFAULTS}, checking each; throws `INVALID_OPTIONS` naming the option and the value as given. */
export function resolveOptions(options: ClientOptions<any, any>): ResolvedOptions {
  if (typeof options !== "object" || options === null) refuse("options", options);
  if (typeof options.url !== "function") checkUrl(options.url);
  // what was not given is read through the prototype from DEFAULTS, and a client given nothing but its url shares
  // DEFAULTS itself: a client holds only what it was given
  let o = DEFAULTS as Record<string, any>;
  for (const [name, value] of Object.entries(options)) {
    // own names only: `constructor` or `toString` are not options, whatever Object.prototype says
    if (!Object.hasOwn(KNOWN, name)) refuse(name, value);
    // the url is not kept here: the client holds it privately (tokens travel in it)
    if (value !== undefined && name !== "url") {
      if (o === DEFAULTS) o = Object.create(DEFAULTS);
      // (the WebSocket given is defined over DEFAULTS' getter, which an assignment would call)
      if (name === "WebSocket") Object.defineProperty(o, name, { value });
      else o[name] = take(name, name, value, (DEFAULTS as Record<string, unknown>)[name]);
    }
  }
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
