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
import type { Extension, Line } from "../core/extension.js";
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

interface Waiting {
  readonly schema: StandardSchemaV1 | undefined;
  resolve(reply: unknown): void;
  reject(error: Error): void;
}

interface Requests {
  readonly line: Line;
  readonly waiting: Map<string, Waiting>;
  count: number;
}

const byClient = new WeakMap<object, Requests>();

/** The request feature of one client, plugged in on its first request. */
function requestsOf(client: Client<any, any>): Requests {
  let requests = byClient.get(client);
  if (!requests) {
    const waiting = new Map<string, Waiting>();
    let line!: Line;
    const feature = (lent: Line): Extension => {
      line = lent;
      return {
        // without acknowledged delivery's envelopes the id travels in the message itself
        outgoing: (value, meta) => (meta?.id === undefined || line.framed ? value : { ...(value as object), id: meta.id }),
        receive(data, value, next, re) {
          const id = re ?? (value as { re?: unknown } | null)?.re;
          const request = typeof id === "string" ? waiting.get(id) : undefined;
          if (!request) return next(value, re, data);
          // a reply: validated by the request's schema (or the client's), never emitted as `message`
          return line.check(data, value, request.schema ?? line.options.incoming, request.resolve, request.reject);
        },
        stop() {
          for (const request of [...waiting.values()]) request.reject(closedError());
        },
      };
    };
    (client as unknown as { [EXTEND](feature: (line: Line) => Extension): Extension })[EXTEND](feature);
    byClient.set(client, (requests = { line, waiting, count: 0 }));
  }
  return requests;
}

const aborted = (signal: AbortSignal | undefined) => new LifelineError("ABORTED", "the request was aborted", { cause: signal?.reason });

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
  const { timeout = DEFAULT_TIMEOUT, signal, schema } = options;
  return new Promise<any>((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    if (client.state === "closed") return reject(closedError());
    const requests = requestsOf(client);
    const { line, waiting } = requests;
    if (!line.framed && (typeof message !== "object" || message === null || Array.isArray(message))) {
      return reject(new LifelineError("INVALID_MESSAGE", "request() needs an object message to carry its id"));
    }
    const { clock, random } = line.options;
    // the counter keeps ids unique even when an injected `random` repeats itself
    const id = `${Math.floor(random() * 2 ** 52).toString(36)}${(++requests.count).toString(36)}`;
    const settle = () => {
      waiting.delete(id);
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      settle();
      reject(aborted(signal));
    };
    const timer = clock.setTimeout(() => {
      settle();
      reject(new LifelineError("TIMEOUT", `no reply within ${timeout} ms`));
    }, timeout);
    waiting.set(id, {
      schema,
      resolve: (reply) => (settle(), resolve(reply)),
      reject: (error) => (settle(), reject(error)),
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      line.send(message, { id });
    } catch (error) {
      settle();
      reject(error);
    }
  });
}
