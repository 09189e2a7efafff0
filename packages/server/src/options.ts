import { memoryStore } from "./memory-store.js";
import { platform } from "./platform.js";
import type { ResetReason, Store } from "./store.js";
import { resolveTopics } from "./topics/options.js";
import type { CanSubscribe, ResolvedTopics, TopicsOptions } from "./topics/options.js";

/** Where a client message came from, handed to `onMessage`. */
export interface MessageContext {
  /** The client's session id. */
  readonly session: string;
  /** The client's sequence number for it: together with `session`, a stable idempotency key. */
  readonly seq: number;
  /** Set for a request (`{"t":"req"}`): the id its reply carries as `re`. */
  readonly id?: string;
  /**
   * Sends `data` to this session: for a request, as its reply (with `re`).
   * Stored and replayed like any server message (same as `send(session, data)`).
   */
  reply(data: unknown): Promise<SendResult>;
}

/** What `send()` (and `reply()`) answers. */
export type SendResult =
  /** Stored with this server seq: written now if the client is connected, else replayed when it returns. */
  | { readonly ok: true; readonly seq: number }
  /**
   * Not stored. `"unknown-session"`: no such session (never seen, expired,
   * lost); `"overflow"`: its replay buffer was full, so the session was reset
   * (the client is told); `"closed"`: the server is closed.
   */
  | { readonly ok: false; readonly reason: Extract<ResetReason, "unknown-session" | "overflow"> | "closed" };

/** Where an error reported to `onError` happened. */
export interface ErrorContext {
  readonly session?: string;
  readonly seq?: number;
  /** What failed: the application's handler, or the store. */
  readonly source: "onMessage" | "store" | "canSubscribe";
}

export interface LifelineServerOptions {
  /**
   * Where sessions live.
   * @default memoryStore() (sessionTtl 120 s, replay.max 1000), closed by `close()`
   */
  store?: Store;
  /**
   * Called once per client message, in order per session, never for a
   * duplicate. May return a Promise: the client's ack covers the message only
   * after it settled. When it throws or rejects, nothing is acknowledged, the
   * connection is closed with 1011 and the client sends the message again
   * after reconnecting (so a handler that always fails blocks its session:
   * catch inside it to skip a message).
   * @default a handler that drops the message
   */
  onMessage?: (context: MessageContext, data: unknown) => void | Promise<void>;
  /**
   * Told about a failing `onMessage` or store (the connection is closed with 1011).
   * @default console.error
   */
  onError?: (error: unknown, context: ErrorContext) => void;
  /**
   * Largest text frame accepted, in bytes where the adapter knows them (else
   * UTF-16 units); bigger ones close the connection with 1009. With `ws`,
   * give the same `maxPayload` to `WebSocketServer` too, so it refuses the
   * frame before buffering it.
   * @default 1_048_576
   */
  maxPayload?: number;
  /**
   * This node's id in a shared store (the owner of the sessions it serves).
   * @default a random UUID
   */
  node?: string;
  /** Topics with recovery: how much history each topic keeps (docs/topics.md). */
  topics?: TopicsOptions;
  /**
   * Whether a connection may subscribe to a topic (sync or async); runs on
   * every subscribe and resubscribe. False refuses it with `FORBIDDEN`.
   * @default every subscription is allowed
   */
  canSubscribe?: CanSubscribe;
}

/** Options after defaults, validated. */
export interface ResolvedOptions {
  readonly store: Store;
  /** True when the store is the default one, which `close()` closes too. */
  readonly ownsStore: boolean;
  readonly onMessage: (context: MessageContext, data: unknown) => void | Promise<void>;
  readonly onError: (error: unknown, context: ErrorContext) => void;
  readonly maxPayload: number;
  readonly node: string;
  readonly topics: ResolvedTopics;
}

export const DEFAULTS = {
  maxPayload: 1_048_576,
  onMessage: (): void => {},
  onError: (error: unknown, context: ErrorContext): void => {
    platform.console.error(`@lifeline/server: ${context.source} failed`, context, error);
  },
} as const;

function fn<T>(name: string, value: T | undefined, fallback: T): T {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${typeof value}`);
  }
  return value ?? fallback;
}

/** Merges with DEFAULTS once and validates eagerly, naming the bad option. */
export function resolveOptions(options: LifelineServerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${String(options)}`);
  }
  const maxPayload = options.maxPayload ?? DEFAULTS.maxPayload;
  if (typeof maxPayload !== "number" || !Number.isInteger(maxPayload) || maxPayload <= 0) {
    throw new TypeError(`maxPayload must be a positive integer of bytes, got ${String(maxPayload)}`);
  }
  const node = options.node ?? platform.crypto.randomUUID();
  if (typeof node !== "string" || node === "") throw new TypeError(`node must be a non-empty string, got ${String(node)}`);
  const store = options.store ?? memoryStore();
  for (const method of ["subscribe", "attach", "record", "append", "acknowledge", "read", "detach", "drop", "close"] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== "function") {
      throw new TypeError(`store must implement Store: ${method}() is missing`);
    }
  }
  return {
    store,
    ownsStore: options.store === undefined,
    onMessage: fn("onMessage", options.onMessage, DEFAULTS.onMessage),
    onError: fn("onError", options.onError, DEFAULTS.onError),
    maxPayload,
    node,
    topics: resolveTopics(options.topics, options.canSubscribe),
  };
}
