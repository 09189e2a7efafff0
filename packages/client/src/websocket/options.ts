// The options of LifelineWebSocket: the names partysocket and
// reconnecting-websocket users already write, mapped once onto lifeline's own
// options. lifeline checks them; its error is reworded to name the option the
// user wrote.
import { createClient, isLifelineError, LifelineError } from "../index.js";
import type { Client, ClientOptions, Clock, CloseInfo, HeartbeatOptions, WebSocketConstructor } from "../index.js";

/** A URL, or a function returning one (sync or async), called before every attempt. */
export type UrlProvider = string | URL | (() => string | URL | Promise<string | URL>);

/** Subprotocols, or a function returning them (sync or async), called before every attempt. */
export type ProtocolsProvider =
  | string
  | string[]
  | null
  | undefined
  | (() => string | string[] | null | undefined | Promise<string | string[] | null | undefined>);

/**
 * Options of {@link LifelineWebSocket}: partysocket's and
 * reconnecting-websocket's names, lifeline's defaults (jitter and the
 * heartbeat come with them).
 */
export interface LifelineWebSocketOptions {
  /** The WebSocket constructor; the global `WebSocket` is read at each attempt when absent. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Cap of the first retry's delay, in ms (lifeline's `backoff.initial`). @default 500 */
  minReconnectionDelay?: number;
  /** Largest delay between attempts, in ms (`backoff.max`). @default 30_000 */
  maxReconnectionDelay?: number;
  /** Growth of the delay cap per retry, ≥ 1 (`backoff.factor`). @default 2 */
  reconnectionDelayGrowFactor?: number;
  /** How the delay is drawn below its cap: lifeline's jitter (`"none"` gives the old exact delays). @default "full" */
  jitter?: "full" | "equal" | "none";
  /** A connection open this long (ms) resets the retry count (`backoff.resetAfter`). @default 5_000 */
  minUptime?: number;
  /** An attempt not open after this many ms fails (`connectTimeout`). @default 10_000 */
  connectionTimeout?: number;
  /** Failed retries in a row before giving up; `reconnect()` starts again. @default Infinity */
  maxRetries?: number;
  /** Messages held while the line is down; beyond it `send()` drops the new one and returns `false`. @default 1_000 */
  maxEnqueuedMessages?: number;
  /** Do not connect until `reconnect()`. @default false */
  startClosed?: boolean;
  /** lifeline's application-level ping/pong; `false` for servers that cannot answer `ping`. @default { interval: 25_000, timeout: 10_000, ping: "ping", pong: "pong" } */
  heartbeat?: HeartbeatOptions | false;
  /** Whether to reconnect after the server closed. @default reconnect unless 1002, 1003, 1007–1010 or 4400–4499 */
  shouldReconnect?: (close: CloseInfo) => boolean;
  /** Log what happens through `debugLogger`. @default false */
  debug?: boolean;
  /** Where `debug` writes. @default console.log */
  debugLogger?: (...args: unknown[]) => void;
  /** Time source and timers (tests pass the fake clock of `@lifeline/client/testing`). @default the global timers */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: () => number;
}

function invalid(message: string): LifelineError {
  return new LifelineError("INVALID_OPTIONS", message);
}

/** Throws `INVALID_OPTIONS` unless `protocols` is a string, an array of strings, nullish or a function. */
export function checkProtocols(protocols: unknown): void {
  if (protocols === undefined || protocols === null || typeof protocols === "string" || typeof protocols === "function") return;
  if (Array.isArray(protocols) && protocols.every((p) => typeof p === "string")) return;
  throw invalid((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `protocols must be a string, an array of strings or a function, got ${typeof protocols}` : `protocols ${typeof protocols}`);
}

/**
 * Resolves `url` against the page (relative URLs work in a browser, as with
 * the platform's WebSocket); lifeline then checks the scheme per attempt.
 */
export function absoluteUrl(url: string | URL): string | URL {
  const base = (globalThis as { location?: { href?: unknown } }).location?.href;
  if (typeof base !== "string" || typeof url !== "string") return url;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

/** Throws `INVALID_OPTIONS` for a fixed url lifeline could never connect to; functions are checked per attempt. */
export function checkUrl(url: unknown): void {
  if (typeof url === "function") return;
  let protocol: string | undefined;
  try {
    if (typeof url === "string" || url instanceof URL) protocol = new URL(String(absoluteUrl(url))).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "ws:" && protocol !== "wss:" && protocol !== "http:" && protocol !== "https:") {
    // the URL itself is not quoted: it may carry a token
    const got = protocol ? `a ${protocol} URL` : typeof url === "string" ? "a string that is not a URL" : typeof url;
    throw invalid((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `url must be a ws:, wss:, http: or https: URL or a function returning one, got ${got}` : `url ${got}`);
  }
}

/** lifeline's name of an option → the name the user wrote. */
const WRITTEN: Record<string, string> = {
  "backoff.initial": "minReconnectionDelay",
  "backoff.max": "maxReconnectionDelay",
  "backoff.factor": "reconnectionDelayGrowFactor",
  "backoff.jitter": "jitter",
  "backoff.resetAfter": "minUptime",
  connectTimeout: "connectionTimeout",
  "queue.max": "maxEnqueuedMessages",
};

/**
 * lifeline's client for these options (everything but `url`, `protocols`,
 * `WebSocket` and `codec`, which the socket supplies in `own`). What the
 * user did not set is left `undefined`, so lifeline's defaults apply; an
 * option lifeline refuses is reported under the user's name for it.
 */
export function clientFor(options: LifelineWebSocketOptions, own: Pick<ClientOptions, "url" | "WebSocket" | "codec">): Client {
  if (typeof options !== "object" || options === null) throw invalid((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `options must be an object, got ${String(options)}` : `options ${String(options)}`);
  if (options.startClosed !== undefined && typeof options.startClosed !== "boolean") {
    throw invalid((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `startClosed must be a boolean, got ${String(options.startClosed)}` : `startClosed ${String(options.startClosed)}`);
  }
  if (options.debugLogger !== undefined && typeof options.debugLogger !== "function") throw invalid((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "debugLogger must be a function" : "debugLogger");
  try {
    return createClient({
      ...own,
      autoConnect: false,
      backoff: {
        initial: options.minReconnectionDelay,
        max: options.maxReconnectionDelay,
        factor: options.reconnectionDelayGrowFactor,
        jitter: options.jitter,
        resetAfter: options.minUptime,
      },
      connectTimeout: options.connectionTimeout,
      maxRetries: options.maxRetries,
      // partysocket drops what does not fit (send() returns false); lifeline's default bound instead of no bound
      queue: { max: options.maxEnqueuedMessages, overflow: "drop-newest" },
      heartbeat: options.heartbeat,
      shouldReconnect: options.shouldReconnect,
      clock: options.clock,
      random: options.random,
    });
  } catch (error) {
    const name = isLifelineError(error) && error.code === "INVALID_OPTIONS" ? error.message.split(" ", 1)[0]! : "";
    const written = WRITTEN[name];
    throw written ? invalid(written + (error as Error).message.slice(name.length)) : error;
  }
}
