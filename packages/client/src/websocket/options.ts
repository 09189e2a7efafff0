// The options of LifelineWebSocket: the names partysocket and
// reconnecting-websocket users already write, carried onto lifeline's own
// options in one object literal. lifeline checks the values; the drop-in
// adds no checks of its own.
import { createClient, DEFAULTS, isLifelineError } from "../index.js";
import type { Client, ClientOptions, Clock, CloseInfo, Codec, HeartbeatOptions, WebSocketConstructor } from "../index.js";

// the bundler's production build folds the check on it; without a bundler, `process` may be missing
declare const process: { env: Record<string, string | undefined> } | undefined;

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
  /** Cap of the first retry's delay, in ms (lifeline's `backoff.initial`); above `maxReconnectionDelay` it is capped by it, as in both peers. @default 500 */
  minReconnectionDelay?: number;
  /** Largest delay between attempts, in ms (`backoff.max`). @default 30_000 */
  maxReconnectionDelay?: number;
  /** Growth of the delay cap per retry, ≥ 1 (`backoff.factor`). @default 2 */
  reconnectionDelayGrowFactor?: number;
  /** How the delay is drawn below its cap (`backoff.jitter`; `"none"` gives the peers' exact delays). @default "full" */
  jitter?: "full" | "equal" | "none";
  /** A connection open this long (ms) resets the retry count (`backoff.resetAfter`). @default 5_000 */
  minUptime?: number;
  /** An attempt not open after this many ms fails with an `error` whose `message` is `"TIMEOUT"` (`connectTimeout`). @default 10_000 */
  connectionTimeout?: number;
  /** Failed retries in a row before giving up; `reconnect()` starts again. @default Infinity */
  maxRetries?: number;
  /** Messages held while the line is down; beyond it `send()` drops the new one and returns `false` (`queue.max`). @default 1_000 */
  maxEnqueuedMessages?: number;
  /** Do not connect until `reconnect()`. @default false */
  startClosed?: boolean;
  /** lifeline's application-level ping/pong; `false` for servers that cannot answer `ping`. @default { interval: 25_000, timeout: 10_000, ping: "ping", pong: "pong" } */
  heartbeat?: HeartbeatOptions | false;
  /** partysocket's: whether to reconnect after this close; `false` stops until `reconnect()`. @default reconnect after every close, as both peers */
  shouldReconnectOnClose?: (close: CloseInfo) => boolean;
  /** The same under lifeline's name; `shouldReconnectOnClose` wins when both are given. */
  shouldReconnect?: (close: CloseInfo) => boolean;
  /** Log what happens through `debugLogger`, each line starting with `"RWS>"` as in both peers. @default false */
  debug?: boolean;
  /** Where `debug` writes. @default console.log */
  debugLogger?: (...args: unknown[]) => void;
  /** Time source and timers (tests pass the fake clock of `@lifeline/client/testing`). @default the global timers */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: () => number;
}

/** The drop-in's option → lifeline's, for the note development builds add to lifeline's INVALID_OPTIONS. */
const LIFELINE_NAME = {
  minReconnectionDelay: "backoff.initial",
  maxReconnectionDelay: "backoff.max",
  reconnectionDelayGrowFactor: "backoff.factor",
  jitter: "backoff.jitter",
  minUptime: "backoff.resetAfter",
  connectionTimeout: "connectTimeout",
  maxEnqueuedMessages: "queue.max",
  shouldReconnectOnClose: "shouldReconnect",
};

// Frames pass through untouched, both ways: the socket's own send() converts what needs it (a number to text), as the platform's does.
const passThrough = { encode: (data: unknown) => data, decode: (data: unknown) => data } as Codec;

/**
 * lifeline's client for these options, with what the socket supplies in
 * `own` (url, WebSocket) and frames passed through untouched: the peers' names carried onto lifeline's
 * (this object is the whole mapping), so lifeline's defaults apply to what
 * the user did not set and it sees no name it does not know.
 * lifeline's `INVALID_OPTIONS` reaches the user as it is; development builds
 * add the peers' names it came from.
 */
export function clientFor(o: LifelineWebSocketOptions, own: Pick<ClientOptions, "url" | "WebSocket">): Client {
  const { minReconnectionDelay: initial = DEFAULTS.backoff.initial, maxReconnectionDelay: max } = o;
  // what the user did not set stays undefined: lifeline treats it as not given (its default applies)
  const lifeline = {
    ...own,
    codec: passThrough,
    autoConnect: false,
    backoff: {
      // as in both peers, a first delay above the largest one is capped by it (lifeline refuses the contradiction)
      initial: initial > (max as number) ? max : o.minReconnectionDelay,
      max,
      factor: o.reconnectionDelayGrowFactor,
      jitter: o.jitter,
      resetAfter: o.minUptime,
    },
    connectTimeout: o.connectionTimeout,
    maxRetries: o.maxRetries,
    // partysocket drops what does not fit (send() returns false)
    queue: { max: o.maxEnqueuedMessages, overflow: "drop-newest" },
    heartbeat: o.heartbeat,
    // both peers reconnect after every close code; partysocket's shouldReconnectOnClose decides when given
    shouldReconnect: o.shouldReconnectOnClose ?? o.shouldReconnect ?? (() => true),
    clock: o.clock,
    random: o.random,
  } as ClientOptions;
  // Deno: process.env needs a permission there, so the development check does not read it (as in the core)
  if ((typeof process < "u" && typeof Deno > "u" ? process!.env.NODE_ENV : "production") !== "production") {
    try {
      return createClient(lifeline);
    } catch (error) {
      const names = Object.entries(LIFELINE_NAME).filter(([name]) => o[name as keyof LifelineWebSocketOptions] !== undefined);
      if (isLifelineError(error) && error.code === "INVALID_OPTIONS" && names.length) {
        error.message += ` (LifelineWebSocket passes ${names.map(([name, path]) => `${name} as ${path}`).join(", ")})`;
      }
      throw error;
    }
  }
  return createClient(lifeline);
}
