// The Pub/Sub connection a Redis-backed part of a node keeps beside its
// command connection (the session store's events, the topics'
// publications): made on first use, its errors reported, and after a
// reconnect (not the first connect) the owner's channels subscribed again
// by the owner, who knows which are still wanted.
import type { Redis, RedisOptions } from "ioredis";

export interface PubSubHooks {
  onError(error: unknown): void;
  /** The connection is back after a loss: subscribe again to what is still wanted. */
  resubscribe(subscriber: Redis): Promise<void>;
  onMessage(channel: string, message: string): void;
}

/** A subscriber connection duplicated from `client` (`options` over the defaults: resend unfulfilled commands, connect now). */
export function pubSub(client: Redis, hooks: PubSubHooks, options: RedisOptions = {}): Redis {
  const subscriber = client.duplicate({ autoResendUnfulfilledCommands: true, lazyConnect: false, ...options });
  subscriber.on("error", (error: unknown) => hooks.onError(error));
  let connected = false;
  subscriber.on("ready", () => {
    if (connected) hooks.resubscribe(subscriber).catch((error: unknown) => hooks.onError(error));
    connected = true;
  });
  subscriber.on("message", (channel: string, message: string) => hooks.onMessage(channel, message));
  return subscriber;
}
