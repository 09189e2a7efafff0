// Incoming messages the application will not see as messages: `invalid`
// (shared with acknowledged delivery). Decoding, validation and the order of
// delivery behind a Blob or an asynchronous schema are messages.ts's (read,
// check).
import { LifelineError } from "./errors.js";
import type { Emitter } from "./types.js";

/** Reports an incoming frame the application will not see as a message; `data` is the application's message (never an envelope). */
export function invalid(events: Emitter, data: unknown, message: string, cause: unknown): LifelineError {
  const error = new LifelineError("INVALID_MESSAGE", message, { cause });
  events.emit("invalid", { data, error });
  return error;
}
