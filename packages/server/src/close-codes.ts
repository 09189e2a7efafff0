/**
 * The close codes `@lifeline/server` sends, and why. Codes 4400–4499 tell
 * lifeline's client not to reconnect by default (the same request would be
 * refused again); the others let it reconnect.
 */
export const CLOSE = {
  /** `close()`: the server is shutting down. The client reconnects. */
  GOING_AWAY: 1001,
  /** A binary frame: the protocol is JSON text. */
  UNSUPPORTED_DATA: 1003,
  /** A frame larger than `maxPayload`. */
  TOO_BIG: 1009,
  /** `onMessage` threw or rejected, or the store failed: nothing was acknowledged, the client resends after reconnecting. */
  INTERNAL_ERROR: 1011,
  /** `shed()`: try again later; the reason is `{"retryAfter":ms}`. */
  TRY_AGAIN_LATER: 1013,
  /** A frame that breaks the protocol (not JSON, unknown `t`, bad fields, no `hello` first, a second `hello`). */
  PROTOCOL_ERROR: 4400,
  /** A newer connection said `hello` for the same session: it wins, this one is closed. */
  TAKEN_OVER: 4409,
} as const;
