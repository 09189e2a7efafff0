// The one error class, its guard, and how values appear in messages.
//
// Messages come in two lengths. Development builds explain (what was
// expected, what fixes it); production builds say the code, the option and
// the value. Every long message sits behind the literal
//   (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
// written out at its use site: bundlers replace `process.env.NODE_ENV` and
// drop the branch in production builds (a constant of our own would not be
// folded across modules; in this shape esbuild folds the whole condition). The guards let the files run unbundled: where no
// `process` exists (a page without a bundler), and in Deno, whose
// `process.env` throws without --allow-env, they get the short messages.

/**
 * Every error lifeline raises or reports has one of these codes.
 *
 * - `NO_WEBSOCKET`: no `WebSocket` option and no global `WebSocket`.
 * - `INVALID_OPTIONS`: `createClient()` was given an option it cannot use, or one it does not know.
 * - `INVALID_MESSAGE`: `send()` got a message the `outgoing` schema rejects
 *   or the codec cannot encode (nothing was sent or queued), or an incoming
 *   message failed its schema (`invalid` event, a `request()` reply).
 * - `QUEUE_FULL`: the queue is full and `queue.overflow` is `"error"`.
 * - `CLOSED`: the client closed before the awaited thing happened.
 * - `GAVE_UP`: the client stopped after `maxRetries` failed retries (`opened()` rejects with it).
 * - `CONNECT_FAILED`: an attempt failed before it opened (`error` event, once per attempt).
 * - `CONNECT_TIMEOUT`: an attempt was not open after `connectTimeout` ms (`error` event).
 * - `HEARTBEAT_UNANSWERED`: the server never answered a ping; the client stopped pinging (`error` event, once).
 * - `TIMEOUT` / `ABORTED`: a `request()` timed out or its signal fired.
 * - `HANDLER_ERROR`: an event handler threw (reported on the `error` event).
 * - `URL_ERROR`: the `url` function threw, rejected or returned a bad URL.
 * - `FORBIDDEN`: the server refused a topic subscription (its `canSubscribe` said no).
 * - `SUBSCRIBE_FAILED`: the server could not take a topic subscription (too many topics, or its store failed).
 */
export type LifelineErrorCode =
  | "NO_WEBSOCKET"
  | "INVALID_OPTIONS"
  | "INVALID_MESSAGE"
  | "QUEUE_FULL"
  | "CLOSED"
  | "GAVE_UP"
  | "CONNECT_FAILED"
  | "CONNECT_TIMEOUT"
  | "HEARTBEAT_UNANSWERED"
  | "TIMEOUT"
  | "ABORTED"
  | "HANDLER_ERROR"
  | "URL_ERROR"
  | "FORBIDDEN"
  | "SUBSCRIBE_FAILED";

// A registry symbol, so the guard works across realms and across two copies
// of the package in one bundle, where `instanceof` would not.
const BRAND = Symbol.for("lifeline.error");

/**
 * The one error class of lifeline. Check `code`, not the message (its
 * wording is longer in development builds).
 *
 * @example
 * try { client.send(msg) } catch (e) {
 *   if (isLifelineError(e) && e.code === "QUEUE_FULL") showBusy();
 * }
 */
export class LifelineError extends Error {
  // declared, not a class field: assigned in the constructor (a field would also be emitted as `code;`)
  declare readonly code: LifelineErrorCode;

  constructor(code: LifelineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LifelineError";
    this.code = code;
  }

  /** @internal */
  get [BRAND](): true {
    return true;
  }
}

/** True for any `LifelineError`, even one from another copy of the package. */
export function isLifelineError(value: unknown): value is LifelineError {
  return (value as Record<symbol, unknown> | null)?.[BRAND] === true;
}

/** What went wrong, as text, whatever was thrown (an object without a prototype has no toString). @internal */
export function describe(thrown: unknown): string {
  try {
    return thrown instanceof Error ? thrown.message : String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}

/** A value as given, for a message: JSON where it can be (`""` stays `""`), never throwing. @internal */
export function show(value: unknown): string {
  try {
    // JSON would say null for Infinity and NaN, and fails on a BigInt
    return typeof value === "function" ? "a function" : typeof value === "string" || typeof value === "object" ? String(JSON.stringify(value)) : String(value);
  } catch {
    // a cycle: plain text
    return describe(value);
  }
}

/** @internal */
export const invalidOption = (message: string): LifelineError => new LifelineError("INVALID_OPTIONS", message);

/** @internal */
export const closedError = (): LifelineError => new LifelineError("CLOSED", "the client is closed");
