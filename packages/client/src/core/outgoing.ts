// Outgoing messages: checked against the `outgoing` schema (the identity
// schema when none is given) and encoded, before they are sent or queued.
import { LifelineError, describe } from "./errors.js";
import { describeIssues } from "./schema.js";
import type { Codec, StandardSchemaV1 } from "./types.js";

/** The `outgoing` schema's output for `message`; throws `INVALID_MESSAGE` (nothing is sent or queued). */
export function checkOutgoing(schema: StandardSchemaV1, message: unknown): unknown {
  const result = schema["~standard"].validate(message);
  if (result instanceof Promise) throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "the outgoing schema must validate synchronously" : "async outgoing");
  if (result.issues) throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `the message does not match its schema: ${describeIssues(result.issues)}` : describeIssues(result.issues), { cause: result.issues });
  return result.value;
}

/** The frame for a value; throws `INVALID_MESSAGE` when the codec cannot encode it. */
export function encode(codec: Codec, value: unknown): string | ArrayBuffer | Uint8Array {
  try {
    return codec.encode(value);
  } catch (cause) {
    throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `could not encode the message: ${describe(cause)}` : describe(cause), { cause });
  }
}
