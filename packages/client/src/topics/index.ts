/**
 * Topics with recovery, as an opt-in entry point: `subscribe(client, topic,
 * { schema })` follows a topic the server publishes to
 * (`lifeline.publish(topic, data)` in `@lifeline/server`). Each publication
 * arrives once, in order; after a reconnect, or a move to another node, the
 * subscription resumes from the last publication it delivered, and what was
 * published meanwhile arrives before anything newer. When the server's
 * history no longer reaches back, `gap` says so. Needs
 * `delivery: atLeastOnce()`; the frames are in docs/protocol.md ("Topics").
 *
 * @example
 * import { subscribe } from "@lifeline/client/topics";
 *
 * const room = subscribe(client, "room:42", { schema: Chat });
 * room.on("message", (msg, { offset }) => render(msg));
 * room.on("gap", () => refetchRoom());
 * room.on("error", (e) => e.code === "FORBIDDEN" && leaveRoom());
 */
import type { Client } from "../core/api.js";
import { LifelineError } from "../core/errors.js";
import type { InferOutput, StandardSchemaV1 } from "../core/types.js";
import { topicsOf } from "./wire.js";
import type { Subscription } from "./subscription.js";

export type { Subscription, SubscriptionEvents } from "./subscription.js";

export interface SubscribeOptions<S extends StandardSchemaV1 | undefined> {
  /** Validates (and types) each publication; one it rejects is an `error` `INVALID_MESSAGE` (the subscription goes on). */
  schema?: S;
}

/**
 * Subscribes `client` to `topic`. Subscribing to one topic twice on a client
 * is one subscription on the wire; each handle gets every publication.
 * With `share: acrossTabs()`, the tabs share one server subscription per
 * topic (held by the leader tab) and each tab's handles get every
 * publication once, in order. Throws `LifelineError` `INVALID_OPTIONS` for a
 * client without `delivery: atLeastOnce()`, or a topic that is not a string
 * of 1-256 characters.
 */
export function subscribe<S extends StandardSchemaV1 | undefined = undefined>(
  client: Client<any, any>,
  topic: string,
  options: SubscribeOptions<S> = {},
): Subscription<S extends StandardSchemaV1 ? InferOutput<S> : unknown> {
  const topics = topicsOf(client);
  if (!topics || !(topic?.length <= 256 && topic)) {
    throw new LifelineError(
      "INVALID_OPTIONS",
      (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
        ? `subscribe() needs a client with delivery: atLeastOnce() (topics ride on acknowledged delivery) and a topic of 1-256 chars, got ${JSON.stringify(topic)}`
        : `subscribe: delivery or topic ${JSON.stringify(topic)}`,
    );
  }
  return topics(topic, options.schema) as Subscription<any>;
}
