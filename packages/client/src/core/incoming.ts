// Incoming messages: validation against a Standard Schema (the identity
// schema when none is given), and `invalid`. Decoding, and the order of
// delivery behind an asynchronous schema, are client.ts's (#read, #later).
import { LifelineError } from "./errors.js";
import { describeIssues } from "./schema.js";
import type { Emitter, StandardResult, StandardSchemaV1 } from "./types.js";

/** Reports an incoming frame the application will not see as a message; `data` is the application's message (never an envelope). */
export function invalid(events: Emitter, data: unknown, message: string, cause: unknown): LifelineError {
  const error = new LifelineError("INVALID_MESSAGE", message, { cause });
  events.emit("invalid", { data, error });
  return error;
}

/**
 * Validates `value`, then calls `done` with the schema's output (by default:
 * emits it as `message`), or reports `invalid` and calls `fail`. Returns a
 * promise only for a schema that validates asynchronously.
 */
export function check(
  events: Emitter,
  data: unknown,
  value: unknown,
  schema: StandardSchemaV1,
  done?: (value: unknown) => void,
  fail?: (error: LifelineError) => void,
): void | Promise<void> {
  const result = schema["~standard"].validate(value);
  // a function of its own, not a closure: nothing is allocated per message for a synchronous schema
  return result instanceof Promise ? result.then((settled) => settle(events, data, settled, done, fail)) : settle(events, data, result, done, fail);
}

function settle(events: Emitter, data: unknown, result: StandardResult<unknown>, done?: (value: unknown) => void, fail?: (error: LifelineError) => void): void {
  if (!result.issues) return done ? done(result.value) : events.emit("message", result.value);
  const error = invalid(events, data, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `the message does not match its schema: ${describeIssues(result.issues)}` : describeIssues(result.issues), result.issues);
  fail?.(error);
}
