// Incoming messages: decoding, validation against a Standard Schema, and the
// order of delivery when a schema validates asynchronously.
import { LifelineError, describe } from "./errors.js";
import type { Events } from "./events.js";
import type { Codec } from "./options.js";
import type { StandardResult, StandardSchemaV1 } from "./schema.js";
import { describeIssues } from "./schema.js";

/** Reports an incoming frame the application will not see as a message. */
export function invalid(events: Events, data: unknown, message: string, cause: unknown): LifelineError {
  const error = new LifelineError("INVALID_MESSAGE", message, { cause });
  events.emit("invalid", { data, error });
  return error;
}

/** The codec's reading of a frame, or `invalid` reported and `undefined` returned. */
export function decode(events: Events, codec: Codec, data: string | ArrayBuffer): { value: unknown } | undefined {
  try {
    return { value: codec.decode(data) };
  } catch (cause) {
    invalid(events, data, `could not decode the message: ${describe(cause)}`, cause);
  }
}

/**
 * Validates `value` (without a schema it passes as it is), then calls `done`
 * with the schema's output, or reports `invalid` and calls `fail`. Returns a
 * promise only for a schema that validates asynchronously.
 */
export function check(
  events: Events,
  data: unknown,
  value: unknown,
  schema: StandardSchemaV1 | undefined,
  done: (value: unknown) => void,
  fail?: (error: LifelineError) => void,
): void | Promise<void> {
  if (!schema) return done(value);
  const settle = (result: StandardResult<unknown>) => {
    if (!result.issues) return done(result.value);
    const error = invalid(events, data, `the message does not match its schema: ${describeIssues(result.issues)}`, result.issues);
    fail?.(error);
  };
  const result = schema["~standard"].validate(value);
  return result instanceof Promise ? result.then(settle) : settle(result);
}

/**
 * Keeps frames in order behind one that is still being read (a Blob) or
 * validated (an async schema). Made only when the first such frame comes.
 */
export class InOrder {
  #tail: Promise<unknown> | undefined;
  readonly #report: (cause: unknown) => void;

  constructor(report: (cause: unknown) => void) {
    this.#report = report;
  }

  /** Something is still pending: later frames must queue behind it. */
  get busy(): boolean {
    return this.#tail !== undefined;
  }

  /** Runs `step` after everything queued before it. */
  then(step: () => unknown): void {
    const next = (this.#tail ?? Promise.resolve()).then(step).catch(this.#report);
    this.#tail = next;
    void next.then(() => {
      if (this.#tail === next) this.#tail = undefined;
    });
  }
}
