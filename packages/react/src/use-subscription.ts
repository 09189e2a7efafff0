import type { LifelineError, StandardSchemaV1, InferOutput } from "@lifeline/client";
import type { Client } from "@lifeline/client";
import { subscribe } from "@lifeline/client/topics";
import { useEffect } from "react";
import { useLatestRef } from "./latest-ref.js";

/** Options of {@link useSubscription}. */
export interface UseSubscriptionOptions<S extends StandardSchemaV1 | undefined> {
  /** Validates (and types) each publication. Keep its identity stable (define it at module level): a new schema subscribes again. */
  schema?: S;
  /** History could not cover an absence: publications were missed, resynchronise (refetch). */
  onGap?: (event: { readonly reason: "trimmed" | "epoch" }) => void;
  /** `FORBIDDEN`, `SUBSCRIBE_FAILED`, or `INVALID_MESSAGE` for a publication the schema rejects. Without it such errors reach the client's `error` event. */
  onError?: (error: LifelineError) => void;
}

/**
 * Follows `topic` for as long as the component is mounted
 * (`subscribe()` from `@lifeline/client/topics`; the client needs
 * `delivery: atLeastOnce()`). Every publication reaches the newest
 * `handler`, once and in order, including the ones recovered after a
 * reconnect; a new `handler` every render does not subscribe again, a new
 * `topic` does. Under StrictMode's double mount the topic stays one
 * subscription on the wire; unmounting unsubscribes.
 *
 * @example
 * const [lines, setLines] = useState<Chat[]>([]);
 * useSubscription(client, `room:${id}`, (msg) => setLines((all) => [...all, msg]), { schema: Chat, onGap: refetch });
 */
export function useSubscription<S extends StandardSchemaV1 | undefined = undefined>(
  client: Client<any, any>,
  topic: string,
  handler: (data: S extends StandardSchemaV1 ? InferOutput<S> : unknown, meta: { readonly offset: number }) => void,
  options: UseSubscriptionOptions<S> = {},
): void {
  const latest = useLatestRef({ handler, options });
  const { schema } = options;
  useEffect(() => {
    const subscription = subscribe(client, topic, { schema });
    subscription.on("message", (data, meta) => latest.current.handler(data as never, meta));
    subscription.on("gap", (event) => latest.current.options.onGap?.(event));
    // an error handler only when one was given: otherwise the client's `error` event hears it
    if (latest.current.options.onError) subscription.on("error", (error) => latest.current.options.onError?.(error));
    return () => subscription.unsubscribe();
  }, [client, topic, schema, latest]);
}
