/**
 * Every error lifeline raises or reports has one of these codes.
 *
 * - `NO_WEBSOCKET`: no `WebSocket` option and no global `WebSocket`.
 * - `INVALID_OPTIONS`: `createClient()` was given an option it cannot use.
 * - `INVALID_MESSAGE`: `send()` got a message the `outgoing` schema rejects
 *   or the codec cannot encode (nothing was sent or queued), or an incoming
 *   message failed its schema (`invalid` event, a `request()` reply).
 * - `QUEUE_FULL`: the queue is full and `queue.overflow` is `"error"`.
 * - `CLOSED`: the client closed (or gave up) before the awaited thing happened.
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
 * The one error class of lifeline. Check `code`, not the message.
 *
 * @example
 * try { client.send(msg) } catch (e) {
 *   if (isLifelineError(e) && e.code === "QUEUE_FULL") showBusy();
 * }
 */
export class LifelineError extends Error {
  readonly code: LifelineErrorCode;

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

/** @internal */
export const closedError = () => new LifelineError("CLOSED", "the client is closed");
