/**
 * Request/response over a lifeline client, as an opt-in entry point:
 * `request(client, msg, { timeout, signal, schema })` sends `msg` with a
 * fresh correlation id and resolves with the first incoming message that
 * answers it. The request timeout, abort and close are decided here.
 *
 * @example
 * import { request } from "@lifeline/client/request";
 * const reply = await request(client, { type: "get", key: "a" }, { timeout: 5_000, schema: Reply });
 */
import type { Client } from "../core/api.js";
import { LifelineError, closedError } from "../core/errors.js";
import { EXTEND } from "../core/extension.js";
import { isObject } from "../core/options.js";
import type { Extension, Feature, Line } from "../core/extension.js";
import type { InferOutput, StandardSchemaV1 } from "../core/types.js";

export interface RequestOptions<Reply extends StandardSchemaV1 | undefined = undefined> {
  /** ms until the request rejects with `TIMEOUT`. @default 10_000 */
  timeout?: number;
  /** Aborting rejects the request with `ABORTED`. */
  signal?: AbortSignal;
  /** Validates (and types) the reply instead of the client's `incoming` schema. */
  schema?: Reply;
}

/** @default 10_000 ms */
export const DEFAULT_TIMEOUT = 10_000;

/** A request waiting for its reply: the schema that checks the reply, and how the request settles (with the reply, or an error). */
type Waiting = [schema: StandardSchemaV1 | undefined, settle: (result: unknown) => void];

/** The client is the line it lends its features (core/extension.ts). */
type Lent = Client & Line & { [EXTEND](feature: Feature): Extension };

/** Per client: the requests waiting for a reply, by id. */
const byClient = new WeakMap<object, Map<string, Waiting>>();

/** Numbers the requests of this module: with a random part, ids are unique even when an injected `random` repeats itself. */
let count = 0;

const aborted = (signal: AbortSignal) =>
  new LifelineError("ABORTED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "the request was aborted" : "signal", {
    cause: signal.reason,
  });

/**
 * Sends `message` with a fresh `id` (with `atLeastOnce()`, in the envelope)
 * and resolves with the first incoming message whose `re` equals it. Rejects
 * with `TIMEOUT`, `ABORTED`, `CLOSED` or `INVALID_MESSAGE` (a reply failing
 * its schema, or a message that cannot carry an id).
 */
export function request<In, Out, Reply extends StandardSchemaV1 | undefined = undefined>(
  client: Client<In, Out>,
  message: Out,
  options: RequestOptions<Reply> = {},
): Promise<Reply extends StandardSchemaV1 ? InferOutput<Reply> : In> {
  // DEFAULT_TIMEOUT written out: an app that does not import the constant then ships no variable for it
  const { timeout = 10_000, signal, schema } = options;
  return new Promise<any>((resolve, reject) => {
    // what the executor throws rejects the promise
    if (signal?.aborted) throw aborted(signal);
    if (client.state === "closed") throw closedError();
    let waiting = byClient.get(client)!;
    // the client's first request plugs the request feature in
    if (!waiting)
      (client as Lent)[EXTEND](() => {
        byClient.set(client, (waiting = new Map()));
        return {
          // without acknowledged delivery's envelopes the id travels in the message itself
          outgoing: (value, meta) => (!meta || (client as Lent).options.delivery ? value : { ...(value as object), ...meta }),
          receive(data, value, next, re) {
            // ids are strings: a `re` of another type finds nothing
            const request = waiting.get((re ?? (value as { re?: unknown } | null)?.re) as string);
            if (!request) return next(value, re, data);
            // a reply: validated by the request's schema (or the client's), never emitted as `message`
            return (client as Lent).check(data, value, request[0] ?? (client as Lent).options.incoming, request[1], request[1]);
          },
          // a Map's forEach tolerates the deletes that settling makes
          stop: () => waiting.forEach((request) => request[1](closedError())),
        };
      });
    if (!(client as Lent).options.delivery && !isObject(message)) {
      throw new LifelineError("INVALID_MESSAGE", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? "request() needs an object message to carry its id" : "message");
    }
    const { clock, random } = (client as Lent).options;
    // the count, then the random number (which starts "0."): no two ids of this module are equal
    const id = `${++count}${random()}`;
    // a send() that throws (the outgoing schema, a full queue) rejects the promise before anything waits
    (client as Lent).send(message, { id });
    /**
     * Ends the request: rejected with an error (a reply never is one: it was decoded from a frame), or resolved
     * with the reply. `Error`, not `LifelineError`: the core that reports an invalid reply may be another copy.
     */
    const settle = (result: unknown) => {
      waiting.delete(id);
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      (result instanceof Error ? reject : resolve)(result);
    };
    const onAbort = () => settle(aborted(signal!));
    const timer = clock.setTimeout(
      () => settle(new LifelineError("TIMEOUT", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `no reply within ${timeout} ms` : `timeout ${timeout}`)),
      timeout,
    );
    waiting.set(id, [schema, settle]);
    signal?.addEventListener("abort", onAbort);
  });
}
