// How the nodes sharing one redisStore hear of their sessions (appends,
// takeovers, resets): each node subscribes to its own channel,
// `<prefix>node:<node>`, on the Pub/Sub connection beside the command one
// (pub-sub.ts), and the scripts publish there (scripts.ts). An append made
// through the one node this store object listens for skips Pub/Sub: the
// store hands its entries over directly (`local`, `tell`). Events published
// while the subscriber was away are lost: once it is back, each session
// attached here gets an `append` hint, so its connection reads what it missed.
import type { Redis } from "ioredis";
import type { StoreEvent } from "../store.js";
import { pubSub } from "./pub-sub.js";

type Listener = (event: StoreEvent) => void;

export class NodeEvents {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;
  /** The sessions attached through this store object, with the node each was attached for. */
  readonly #attached: () => Iterable<[string, string]>;
  /** Each node's listener, by its channel. */
  readonly #listeners = new Map<string, Listener>();
  #subscriber: Redis | undefined;
  #closed = false;

  constructor(client: Redis, prefix: string, onError: (error: unknown) => void, attached: () => Iterable<[string, string]>) {
    this.#client = client;
    this.#prefix = prefix;
    this.#onError = onError;
    this.#attached = attached;
  }

  /** `listener` hears the events of `node`'s sessions; resolves once subscribed, to an unsubscribe. */
  async subscribe(node: string, listener: Listener): Promise<() => Promise<void>> {
    const channel = this.#channel(node);
    const subscriber = this.#subscriberConnection();
    this.#listeners.set(channel, listener);
    await subscriber.subscribe(channel);
    return async () => {
      if (this.#listeners.get(channel) !== listener) return;
      this.#listeners.delete(channel);
      if (!this.#closed) await subscriber.unsubscribe(channel);
    };
  }

  /** The channel of the one node this store object listens for; `""` when it listens for none or several. */
  local(): string {
    return this.#listeners.size === 1 ? (this.#listeners.keys().next().value as string) : "";
  }

  /** Hands `event` to the node listening on `channel` here, if one is. */
  tell(channel: string, event: StoreEvent): void {
    this.#listeners.get(channel)?.(event);
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    // no QUIT: with Redis unreachable it would wait for a reconnection
    this.#subscriber?.disconnect();
  }

  #channel(node: string): string {
    return `${this.#prefix}node:${node}`;
  }

  #subscriberConnection(): Redis {
    return (this.#subscriber ??= pubSub(this.#client, {
      onError: (error) => this.#onError(error),
      resubscribe: (subscriber) => this.#resubscribed(subscriber),
      onMessage: (channel, message) => {
        const listener = this.#listeners.get(channel);
        if (!listener) return;
        let event: StoreEvent;
        try {
          event = JSON.parse(message) as StoreEvent;
        } catch (error) {
          return this.#onError(error);
        }
        listener(event);
      },
    }));
  }

  /** The subscriber connection came back: its channels are subscribed again, then every session attached here gets an `append` hint. */
  async #resubscribed(subscriber: Redis): Promise<void> {
    const channels = [...this.#listeners.keys()];
    if (channels.length === 0) return;
    await subscriber.subscribe(...channels);
    for (const [session, node] of this.#attached()) this.#listeners.get(this.#channel(node))?.({ type: "append", session, seq: 0 });
  }
}
