// durableObjectStore(): the Store contract (../store.ts) over a Cloudflare
// Durable Object's `state.storage`, so sessions outlive the object's memory
// (eviction, hibernation, a redeploy). One object is one node: events are
// delivered in-process. Methods run one after another (a queue), and each
// writes its keys in one `put`/`delete`, which the runtime commits atomically.
// The keys are laid out in storage-layout.ts.
import { ANONYMOUS } from "../store.js";
import type { AppendResult, AttachOwner, AttachResult, Entry, Fence, FencedResult, ResetReason, SessionInfo, Store, StoreEvent } from "../store.js";
import { Owners, belongsTo, freshRecord, storeLimits, takeOver, victims } from "../session-record.js";
import type { SessionRecord } from "../session-record.js";
import { RECORD_PREFIX, alarmBy, deleteEntries, deleteKeys, entryKey, entryPrefix, recordKey, seqOfEntry, sessionOfRecord, userPrefix } from "./storage-layout.js";
import type { DurableObjectStorageLike } from "./storage-layout.js";

export type { DurableObjectStorageLike } from "./storage-layout.js";

/** Options of {@link durableObjectStore}. */
export interface DurableObjectStoreOptions {
  /**
   * How long a session is kept after its last connection ended, in ms.
   * @default 120_000
   */
  sessionTtl?: number;
  replay?: {
    /**
     * Most unacknowledged server → client messages kept per session.
     * @default 1_000
     */
    max?: number;
  };
}

/** The Durable Object store: a {@link Store} whose expiry runs from the object's alarm. */
export interface DurableObjectStore extends Store {
  /** Removes expired sessions and sets the alarm for the next expiry. Call it from the object's `alarm()`. */
  sweep(): Promise<void>;
}

interface StoredSession extends SessionRecord {
  /** ms timestamp after which the record is gone; undefined while attached. */
  expires: number | undefined;
}

class StorageSessions implements DurableObjectStore {
  readonly #storage: DurableObjectStorageLike;
  readonly #ttl: number;
  readonly #max: number;
  readonly #owners = new Owners();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(storage: DurableObjectStorageLike, options: DurableObjectStoreOptions) {
    this.#storage = storage;
    ({ ttl: this.#ttl, max: this.#max } = storeLimits(options));
  }

  async subscribe(node: string, listener: (event: StoreEvent) => void): Promise<() => Promise<void>> {
    return this.#owners.subscribe(node, listener);
  }

  attach(session: string, node: string, create: boolean, owner: AttachOwner = ANONYMOUS): Promise<AttachResult> {
    return this.#atomic(async () => {
      const now = Date.now();
      const found = await this.#live(session, now);
      // another user's session: answered as if it did not exist, and left untouched
      if (found && !belongsTo(found, owner.user)) return { status: "absent" };
      if (found?.reset !== undefined) {
        await this.#forget(session, found);
        return { status: "tombstone", reason: found.reset };
      }
      if (!found && !create) return { status: "absent" };
      const s: StoredSession = found ?? { ...freshRecord(now, owner.user), expires: undefined };
      const attached = takeOver(s, session, node, now, this.#owners, !found);
      s.expires = undefined;
      const named = !found && owner.user !== "";
      await this.#storage.put({ [recordKey(session)]: s, ...(named && { [userPrefix(owner.user) + session]: 1 }) });
      if (named) await this.#bound(session, owner, now);
      return attached;
    });
  }

  sessionsOf(user: string): Promise<readonly string[]> {
    return this.#atomic(async () => (await this.#sessionsOf(user, Date.now())).map(([session]) => session));
  }

  record(session: string, fence: Fence, seq: number): Promise<FencedResult> {
    return this.#fencedWrite(session, fence, async (s) => {
      if (seq <= s.inbound) return;
      s.inbound = seq;
      await this.#storage.put({ [recordKey(session)]: s });
    });
  }

  append(session: string, body: string, whenFull: "overflow" | "refuse" = "overflow"): Promise<AppendResult> {
    return this.#atomic(async () => {
      const now = Date.now();
      const s = await this.#live(session, now);
      if (!s || s.reset !== undefined) return { status: "absent" };
      if (s.sent - s.acked >= this.#max) {
        if (whenFull === "refuse" && s.attached) return { status: "full" };
        await this.#tombstone(session, s, "overflow", now);
        return { status: "overflow" };
      }
      const seq = ++s.sent;
      await this.#storage.put({ [recordKey(session)]: s, [entryKey(session, seq)]: body });
      this.#owners.tell(s, { type: "append", session, seq });
      return { status: "stored", seq };
    });
  }

  acknowledge(session: string, fence: Fence, seq: number): Promise<FencedResult> {
    return this.#fencedWrite(session, fence, async (s) => {
      const upTo = Math.min(seq, s.sent);
      if (upTo <= s.acked) return;
      const keys: string[] = [];
      for (let k = s.acked + 1; k <= upTo; k++) keys.push(entryKey(session, k));
      s.acked = upTo;
      await this.#storage.put({ [recordKey(session)]: s });
      await deleteKeys(this.#storage, keys);
    });
  }

  read(session: string, after: number, limit: number): Promise<readonly Entry[] | undefined> {
    return this.#atomic(async () => {
      const s = await this.#live(session, Date.now());
      if (!s || s.reset !== undefined) return undefined;
      const from = Math.max(after, s.acked);
      if (from >= s.sent || limit <= 0) return [];
      const found = await this.#storage.list<string>({ prefix: entryPrefix(session), start: entryKey(session, from + 1), limit });
      return [...found].map(([key, body]) => ({ seq: seqOfEntry(key), body }));
    });
  }

  detach(session: string, fence: Fence): Promise<FencedResult> {
    return this.#fencedWrite(session, fence, async (s) => {
      s.attached = false;
      s.seen = Date.now();
      s.expires = s.seen + this.#ttl;
      await this.#storage.put({ [recordKey(session)]: s });
      await alarmBy(this.#storage, s.expires);
    });
  }

  drop(session: string, fence: Fence): Promise<FencedResult> {
    return this.#fencedWrite(session, fence, (s) => this.#forget(session, s));
  }

  inspect(session: string): Promise<SessionInfo | undefined> {
    return this.#atomic(async () => {
      const s = await this.#live(session, Date.now());
      if (!s) return undefined;
      const { expires: _expires, ...info } = s;
      return { ...info, user: s.user ?? "", buffered: s.reset !== undefined ? 0 : s.sent - s.acked };
    });
  }

  sweep(): Promise<void> {
    return this.#atomic(async () => {
      const now = Date.now();
      let next = Infinity;
      for (const [key, s] of await this.#storage.list<StoredSession>({ prefix: RECORD_PREFIX })) {
        if (s.expires === undefined) continue;
        if (s.expires <= now) await this.#forget(sessionOfRecord(key), s);
        else next = Math.min(next, s.expires);
      }
      if (next !== Infinity) await this.#storage.setAlarm(next);
    });
  }

  async close(): Promise<void> {
    this.#owners.clear();
  }

  // ---- internals ------------------------------------------------------------

  /** Runs `step` after every earlier method finished: one method at a time. */
  #atomic<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #live(session: string, now: number): Promise<StoredSession | undefined> {
    const s = await this.#storage.get<StoredSession>(recordKey(session));
    if (s?.expires !== undefined && s.expires <= now) {
      await this.#forget(session, s);
      return undefined;
    }
    return s;
  }

  /** A named user's live sessions with their records, least recently active first; drops index keys of sessions gone. */
  async #sessionsOf(user: string, now: number): Promise<Array<[string, StoredSession]>> {
    const prefix = userPrefix(user);
    const live: Array<[string, StoredSession]> = [];
    const stale: string[] = [];
    for (const key of (await this.#storage.list({ prefix })).keys()) {
      const session = key.slice(prefix.length);
      const s = await this.#live(session, now);
      if (s && s.reset === undefined && belongsTo(s, user)) live.push([session, s]);
      else stale.push(key);
    }
    await deleteKeys(this.#storage, stale);
    return live.sort(([, a], [, b]) => a.seen - b.seen);
  }

  /** After `session` was made: evicts what is beyond the user's bound. */
  async #bound(session: string, owner: AttachOwner, now: number): Promise<void> {
    if (owner.sessionsPerUser === Infinity) return;
    const sessions = await this.#sessionsOf(owner.user, now);
    for (const victim of victims(sessions, owner.sessionsPerUser, session)) {
      const s = sessions.find(([id]) => id === victim)?.[1] as StoredSession;
      await this.#tombstone(victim, s, "evicted", now);
    }
  }

  /** Gives the session up, keeping a tombstone with `reason` for sessionTtl; its attached owner hears `reset`. */
  async #tombstone(session: string, s: StoredSession, reason: ResetReason, now: number): Promise<void> {
    this.#owners.tell(s, { type: "reset", session, reason });
    s.reset = reason;
    s.attached = false;
    s.expires = now + this.#ttl;
    await deleteEntries(this.#storage, session);
    await this.#storage.put({ [recordKey(session)]: s });
    if (s.user) await deleteKeys(this.#storage, [userPrefix(s.user) + session]);
    await alarmBy(this.#storage, s.expires);
  }

  #fencedWrite(session: string, fence: Fence, write: (s: StoredSession) => Promise<void>): Promise<FencedResult> {
    return this.#atomic(async () => {
      const s = await this.#live(session, Date.now());
      if (!s || s.reset !== undefined) return "gone";
      if (s.fence !== fence) return "fenced";
      await write(s);
      return "ok";
    });
  }

  async #forget(session: string, s: StoredSession): Promise<void> {
    await deleteEntries(this.#storage, session);
    await deleteKeys(this.#storage, [recordKey(session), ...(s.user ? [userPrefix(s.user) + session] : [])]);
  }
}

/**
 * A store in a Durable Object's storage: the sessions of the clients this
 * object serves survive its eviction, hibernation and redeploys. Expiry runs
 * from the object's alarm: call `sweep()` from `alarm()` (the adapter
 * `durableObjectLifeline` does).
 *
 * @example
 * const store = durableObjectStore(ctx.storage, { sessionTtl: 120_000, replay: { max: 1_000 } });
 */
export function durableObjectStore(storage: DurableObjectStorageLike, options: DurableObjectStoreOptions = {}): DurableObjectStore {
  return new StorageSessions(storage, options);
}
