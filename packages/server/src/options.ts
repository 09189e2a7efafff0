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
  /** The user the connection was accepted for (`accept(ws, { user })`); `undefined`: anonymous. */
  readonly user: string | undefined;
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
   * (the client is told); `"full"` (only with `waitForRoom`): the buffer
   * stayed full that long while the client was connected, the session is
   * intact, try later; `"closed"`: the server is closed.
   */
  | { readonly ok: false; readonly reason: Extract<ResetReason, "unknown-session" | "overflow"> | "full" | "closed" };

/** Options of `send()` and `sendToUser()`. */
export interface SendOptions {
  /**
   * Backpressure for producers: when the session's replay buffer is full
   * (`replay.max` unacknowledged) while its client is connected, wait up to
   * this many ms for the client to acknowledge room instead of overflowing
   * it; still full then: `{ ok: false, reason: "full" }`, nothing changed.
   * A client that is away still overflows (`reset` `"overflow"`). Sends that
   * wait are stored in the order they find room: await one before the next
   * to keep order. Never await such a send for the session whose
   * `onMessage` you are in: its acknowledgements wait for your handler.
   * @default 0: a full buffer overflows at once
   */
  waitForRoom?: number;
}

/** What `sendToUser()` answers. */
export type SendToUserResult =
  /** Stored for `sessions` live sessions of the user (0 when they have none): each gets it once, now or replayed. */
  | { readonly ok: true; readonly sessions: number }
  /** Not stored: the server is closed. */
  | { readonly ok: false; readonly reason: "closed" };

/** A session's connection, as `onConnect` and `onDisconnect` see it. */
export interface SessionContext {
  readonly session: string;
  /** `undefined`: the anonymous namespace. */
  readonly user: string | undefined;
}

/** Bounds against abuse (see docs/auth.md). */
export interface Limits {
  /**
   * Most sessions one named user keeps. Making one more ends the least
   * recently active other one (preferring one without a live connection)
   * with `reset` `"evicted"`; the new one is always kept. The anonymous
   * namespace has no such bound.
   * @default 16
   */
  sessionsPerUser?: number;
  /**
   * Bytes a connection's socket may hold unsent before the server stops
   * writing to it; it writes again once the socket drained. Meanwhile its
   * messages wait in the store (nothing is lost, `replay.max` still applies).
   * Where the runtime reports no buffered bytes (Durable Objects) it has no effect.
   * @default 1_048_576
   */
  bufferedBytes?: number;
}

/** Where an error reported to `onError` happened. */
export interface ErrorContext {
  readonly session?: string;
  readonly seq?: number;
  /** What failed: one of the application's handlers, or the store. */
  readonly source: "onMessage" | "onConnect" | "onDisconnect" | "canSubscribe" | "store";
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
   * A `hello` was accepted on this node: the connection speaks for
   * `session` of `user`. `resumed` is true when the session existed (a
   * reconnect), false when the hello made it. Each call is followed by one
   * `onDisconnect` for the same connection and session. What it throws or
   * rejects goes to `onError`; the connection goes on.
   * @default none
   */
  onConnect?: (context: SessionContext & { readonly resumed: boolean }) => void | Promise<void>;
  /**
   * The connection that `onConnect` announced no longer speaks for its
   * session (the socket ended, another connection took the session over, or
   * the session was reset). The session itself lives on for `sessionTtl`.
   * @default none
   */
  onDisconnect?: (context: SessionContext) => void | Promise<void>;
  /**
   * Bounds per user and per connection.
   * @default { sessionsPerUser: 16, bufferedBytes: 1_048_576 }
   */
  limits?: Limits;
  /**
   * Told about a failing handler or store (a failing `onMessage` or store
   * closes the connection with 1011).
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
  readonly onConnect: ((context: SessionContext & { readonly resumed: boolean }) => void | Promise<void>) | undefined;
  readonly onDisconnect: ((context: SessionContext) => void | Promise<void>) | undefined;
  readonly onError: (error: unknown, context: ErrorContext) => void;
  readonly maxPayload: number;
  readonly node: string;
  readonly limits: Required<Limits>;
  readonly topics: ResolvedTopics;
}

export const DEFAULTS = {
  maxPayload: 1_048_576,
  limits: { sessionsPerUser: 16, bufferedBytes: 1_048_576 },
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
  const limits = { ...DEFAULTS.limits, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!(value === Infinity || (typeof value === "number" && Number.isInteger(value) && value > 0))) {
      throw new TypeError(`limits.${name} must be a positive integer (or Infinity), got ${String(value)}`);
    }
  }
  const store = options.store ?? memoryStore();
  for (const method of ["subscribe", "attach", "record", "append", "acknowledge", "read", "detach", "drop", "sessionsOf", "close"] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== "function") {
      throw new TypeError(`store must implement Store: ${method}() is missing`);
    }
  }
  return {
    store,
    ownsStore: options.store === undefined,
    onMessage: fn("onMessage", options.onMessage, DEFAULTS.onMessage),
    onConnect: fn("onConnect", options.onConnect, undefined),
    onDisconnect: fn("onDisconnect", options.onDisconnect, undefined),
    onError: fn("onError", options.onError, DEFAULTS.onError),
    maxPayload,
    node,
    limits,
    topics: resolveTopics(options.topics, options.canSubscribe),
  };
}
