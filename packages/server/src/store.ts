/**
 * Where `@lifeline/server` keeps what must outlive a connection: one record
 * per session. The protocol core (`connection.ts`) holds the policy (when to
 * create, reset, acknowledge); a store holds the data and makes each method
 * one atomic step, so that a store shared by several nodes (Redis: one Lua
 * script or MULTI per method) never shows a half-done update.
 *
 * Every method returns a Promise, even in the memory store, so the core
 * never depends on a store being synchronous.
 *
 * ## The session record
 *
 * | field      | meaning |
 * |------------|---------|
 * | `fence`    | epoch of the connection that owns the session; +1 on every `attach` |
 * | `owner`    | id of the node that owns it (the one `attach` was called from) |
 * | `user`     | the user whose connection made it (`""`: the anonymous namespace); never changes |
 * | `attached` | a connection is live; when it ends (`detach`) the session expires `sessionTtl` later |
 * | `inbound`  | de-duplication high-water mark: highest client `seq` handled |
 * | `sent`     | server → client counter: the `seq` of the last appended message |
 * | `acked`    | highest server `seq` the client acknowledged; the replay buffer holds `acked+1 … sent` |
 * | `entries`  | the replay buffer, at most the store's `replay.max` |
 * | `created`, `seen` | ms timestamps: creation, last attach/detach |
 *
 * A session the store had to give up while it still held undelivered
 * messages (its replay buffer overflowed) is kept as a **tombstone** carrying
 * the reason until it expires, so the client's next `hello` gets a `reset`
 * with that reason instead of silently starting over.
 *
 * ## Fencing
 *
 * `attach` hands out a fresh `fence` (a number that only grows per session).
 * Every write made for a connection (`record`, `acknowledge`, `detach`,
 * `drop`) carries its fence and does nothing, answering `"fenced"`, when a
 * newer connection has attached since, wherever that one lives. So a node
 * that lost a session to another node cannot move its marks any more.
 * `append` is not fenced: any node may send to any session.
 *
 * ## Users
 *
 * A session belongs to the user whose connection made it. `attach` for
 * another user answers `"absent"`, exactly as for a session that does not
 * exist, and changes nothing (no fence, no takeover, no tombstone consumed):
 * a stolen id neither reads the session nor disturbs its owner. The store
 * keeps an index of each named user's sessions (`sessionsOf`), bounded by the
 * `sessionsPerUser` the attaching server gives: making one more session gives
 * up the least recently active one (attached or detached last), preferring one
 * without a live connection, as a tombstone with reason `"evicted"`.
 *
 * ## Notifying the owner
 *
 * A node calls `subscribe(node, listener)` once. The store then tells that
 * node about the sessions it owns: `append` (a message was stored: the
 * owner's connection writes it), `takeover` (a newer connection attached:
 * the older one must close) and `reset` (the session was given up while
 * attached: the connection announces it). The memory store calls the
 * listener in-process (in a microtask, never inside the method's own call);
 * a Redis store publishes on a per-node channel. Events are hints: a lost
 * event delays a delivery until the next one or the next reconnect, it never
 * loses a message, because the owner reads the messages themselves from the
 * store.
 *
 * ## Expiry
 *
 * A session lives while attached and `sessionTtl` ms after its last `detach`
 * (a tombstone: `sessionTtl` after it was made). A store removes it then,
 * on its own (timer, or a TTL on the keys), so memory does not grow with the
 * number of sessions ever seen.
 */

import type { TopicHistory } from "./topics/history.js";

/** A session's fencing token: the epoch of the connection that attached last. */
export type Fence = number;

/** Why a session was given up; what the client reads in `{"t":"reset","reason":…}`. */
export type ResetReason = "unknown-session" | "overflow" | "ack-ahead" | "evicted";

/** Who is attaching (see "Users" above). */
export interface AttachOwner {
  /** The user the connection authenticated as; `""` for the anonymous namespace. */
  readonly user: string;
  /**
   * Most sessions a named user keeps; making one more evicts the least
   * recently active other one. Not applied to the anonymous namespace.
   */
  readonly sessionsPerUser: number;
}

/** The anonymous namespace without a bound: what `attach` assumes when no owner is given. */
export const ANONYMOUS: AttachOwner = { user: "", sessionsPerUser: Infinity };

/** One stored server → client message. */
export interface Entry {
  /** Its server sequence number: 1, 2, 3… per session. */
  readonly seq: number;
  /**
   * The rest of its frame as JSON text, opaque to the store: the members
   * that follow `seq` in `{"t":"msg","seq":K,<body>}`, e.g. `"data":{"n":1}`
   * or `"re":"r1","data":42`. Stored as text so a replay costs no re-encoding.
   */
  readonly body: string;
}

/** What `attach` answers. */
export type AttachResult =
  /** No record (never seen, expired or lost) and `create` was false. */
  | { readonly status: "absent" }
  /** A tombstone: the session was given up for `reason`. It is removed by this call. */
  | { readonly status: "tombstone"; readonly reason: ResetReason }
  /** This connection now owns the session. */
  | {
      readonly status: "attached";
      /** True when this call made the record (a new session). */
      readonly created: boolean;
      /** The fence every later write for this connection carries. */
      readonly fence: Fence;
      /** Highest client seq handled (0 for a new session). */
      readonly inbound: number;
      /** Last server seq appended. */
      readonly sent: number;
      /** Highest server seq acknowledged: the buffer holds `acked+1 … sent`. */
      readonly acked: number;
    };

/** What `append` answers. */
export type AppendResult =
  | { readonly status: "stored"; readonly seq: number }
  /** No live session by that id (never seen, expired, lost or a tombstone). Nothing stored. */
  | { readonly status: "absent" }
  /**
   * The replay buffer already held `replay.max` unacknowledged messages. Nothing
   * stored; the session is now a tombstone with reason `"overflow"`, and its
   * owner (if attached) was sent a `reset` event.
   */
  | { readonly status: "overflow" }
  /**
   * Only with `whenFull: "refuse"`: the buffer was full while a connection
   * was attached. Nothing stored, nothing changed; room comes as the client
   * acknowledges.
   */
  | { readonly status: "full" };

/** What a fenced write answers. */
export type FencedResult =
  | "ok"
  /** A newer connection attached since: nothing changed. */
  | "fenced"
  /** The session no longer exists (expired, lost, given up): nothing changed. */
  | "gone";

/** What the store tells the node that owns a session. */
export type StoreEvent =
  /** A message was appended: the owner's connection should write everything up to `seq`. */
  | {
      readonly type: "append";
      readonly session: string;
      readonly seq: number;
      /**
       * The entries appended, up to `seq`, where the store has them at hand
       * (the append was made on the owner's node): the connection writes them
       * without reading them back when they follow what it wrote.
       */
      readonly entries?: readonly Entry[];
    }
  /** A newer connection attached with `fence`: the owner's connection with an older fence must close. */
  | { readonly type: "takeover"; readonly session: string; readonly fence: Fence }
  /** The session was given up while attached (e.g. overflow): the owner's connection announces `reset`. */
  | { readonly type: "reset"; readonly session: string; readonly reason: ResetReason };

/** Snapshot of a session record, for inspection and tests. */
export interface SessionInfo {
  readonly attached: boolean;
  readonly owner: string | undefined;
  /** The user the session belongs to; `""` for the anonymous namespace. */
  readonly user: string;
  readonly fence: Fence;
  readonly inbound: number;
  readonly sent: number;
  readonly acked: number;
  /** Messages in the replay buffer (`sent - acked`). */
  readonly buffered: number;
  readonly created: number;
  readonly seen: number;
  /** Set for a tombstone. */
  readonly reset: ResetReason | undefined;
}

/**
 * The storage contract of `@lifeline/server`. Each method is one atomic
 * step. Implement it to keep sessions somewhere else (the memory store is
 * `memoryStore()`, a Redis one is `redisStore()`).
 */
export interface Store {
  /**
   * Starts delivering events for the sessions `node` owns to `listener`.
   * Called once per server; resolves when events will be delivered. The
   * returned function stops them.
   */
  subscribe(node: string, listener: (event: StoreEvent) => void): Promise<() => Promise<void>>;

  /**
   * A connection of `owner.user` said `hello` for `session` on `node`: take
   * ownership. Bumps the fence, sets owner/attached/seen, stops the expiry
   * clock and, when another connection owned it, sends that owner a
   * `takeover` event. With no record: makes a fresh one (inbound = sent =
   * acked = 0) for that user when `create` is true, evicting the user's least
   * recently active other session beyond `owner.sessionsPerUser`; else
   * answers `"absent"`. A tombstone is answered and removed (whatever
   * `create` says). A session of another user answers `"absent"` and is left
   * as it was.
   * @param owner defaults to {@link ANONYMOUS}
   */
  attach(session: string, node: string, create: boolean, owner?: AttachOwner): Promise<AttachResult>;

  /**
   * Marks client messages up to `seq` as handled (the inbound high-water
   * mark only grows: a lower `seq` changes nothing but still answers "ok").
   */
  record(session: string, fence: Fence, seq: number): Promise<FencedResult>;

  /**
   * Stores a server → client message and gives it the next seq
   * (`sent + 1`); then, when the session is attached, sends its owner an
   * `append` event. A full buffer overflows (see {@link AppendResult}),
   * except with `whenFull: "refuse"` while the session is attached: then it
   * answers `"full"` and changes nothing (a detached session still overflows:
   * its client is away longer than its buffer lasts).
   * @param whenFull defaults to `"overflow"`
   */
  append(session: string, body: string, whenFull?: "overflow" | "refuse"): Promise<AppendResult>;

  /** Trims the replay buffer: the client has every message up to `seq` (clamped to `sent`). */
  acknowledge(session: string, fence: Fence, seq: number): Promise<FencedResult>;

  /**
   * The stored messages with `seq > after`, in order, at most `limit` of
   * them; `undefined` when the session does not exist (or is a tombstone).
   */
  read(session: string, after: number, limit: number): Promise<readonly Entry[] | undefined>;

  /** The connection ended: the session expires `sessionTtl` from now unless attached again. */
  detach(session: string, fence: Fence): Promise<FencedResult>;

  /** Forgets the session now (it was reset and the reset announced): no tombstone. */
  drop(session: string, fence: Fence): Promise<FencedResult>;

  /**
   * The live sessions (attached, or detached and not expired; no tombstones)
   * of the named `user`, least recently active first.
   */
  sessionsOf(user: string): Promise<readonly string[]>;

  /** A snapshot of the record, or `undefined` when there is none. */
  inspect(session: string): Promise<SessionInfo | undefined>;

  /** Releases timers and connections. The store is unusable afterwards. */
  close(): Promise<void>;

  /** Topic histories (topics/history.ts); a store without them serves no topics. */
  readonly topics?: TopicHistory;
}
