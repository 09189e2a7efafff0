import { ANONYMOUS } from "./store.js";
import type { AppendResult, AttachOwner, AttachResult, Entry, Fence, FencedResult, ResetReason, SessionInfo, Store, StoreEvent } from "./store.js";
import { Expiry } from "./expiry.js";
import { Owners, belongsTo, freshRecord, storeLimits, takeOver, victims } from "./session-record.js";
import type { SessionRecord } from "./session-record.js";
import { MemoryTopics } from "./topics/memory.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How long a session is kept after its last connection ended, in ms.
   * @default 120_000
   */
  sessionTtl?: number;
  replay?: {
    /**
     * Most unacknowledged server → client messages kept per session; one more
     * and the session is reset with reason `"overflow"`.
     * @default 1_000
     */
    max?: number;
  };
}

/** The memory store: a {@link Store} plus what tests and dashboards like to read. */
export interface MemoryStore extends Store {
  /** Sessions (and tombstones) currently held. */
  readonly size: number;
  /** Topic histories held beside the sessions. */
  readonly topics: MemoryTopics;
  /** Forgets every session and topic at once, as a restarted process would. */
  clear(): void;
}

interface Session extends SessionRecord {
  /** Bodies of `acked+1 … sent`. */
  entries: string[];
}

/** setTimeout's ceiling; a longer TTL is waited for in several steps. */
class Memory implements MemoryStore {
  readonly #max: number;
  readonly #sessions = new Map<string, Session>();
  /** Sessions whose last connection ended, until they expire (expiry.ts). */
  readonly #expiry: Expiry;
  readonly #owners = new Owners();
  /** The live sessions of each named user (no tombstones), to bound them and to send to a user. */
  readonly #users = new Map<string, Set<string>>();
  /** Topic histories, beside the sessions. */
  readonly topics = new MemoryTopics();

  constructor(options: MemoryStoreOptions) {
    const { ttl, max } = storeLimits(options);
    this.#max = max;
    this.#expiry = new Expiry(ttl, (session) => {
      this.#unindex(session, this.#sessions.get(session));
      this.#sessions.delete(session);
    });
  }

  get size(): number {
    return this.#sessions.size;
  }

  clear(): void {
    this.#sessions.clear();
    this.#expiry.clear();
    this.#users.clear();
    this.topics.clear();
  }

  async subscribe(node: string, listener: (event: StoreEvent) => void): Promise<() => Promise<void>> {
    return this.#owners.subscribe(node, listener);
  }

  async attach(session: string, node: string, create: boolean, owner: AttachOwner = ANONYMOUS): Promise<AttachResult> {
    const now = Date.now();
    const found = this.#live(session, now);
    // another user's session: answered as if it did not exist, and left untouched
    if (found && !belongsTo(found, owner.user)) return { status: "absent" };
    if (found?.reset !== undefined) {
      this.#forget(session);
      return { status: "tombstone", reason: found.reset };
    }
    if (!found && !create) return { status: "absent" };
    const s: Session = found ?? { ...freshRecord(now, owner.user), entries: [] };
    const attached = takeOver(s, session, node, now, this.#owners, !found);
    this.#sessions.set(session, s);
    this.#expiry.keep(session);
    if (!found && owner.user !== "") this.#index(session, owner);
    return attached;
  }

  async sessionsOf(user: string): Promise<readonly string[]> {
    const now = Date.now();
    const live = [...(this.#users.get(user) ?? [])].flatMap((session) => {
      const s = this.#live(session, now);
      return s ? [[session, s] as const] : [];
    });
    return live.sort(([, a], [, b]) => a.seen - b.seen).map(([session]) => session);
  }

  async record(session: string, fence: Fence, seq: number): Promise<FencedResult> {
    const s = this.#fenced(session, fence);
    if (typeof s === "string") return s;
    if (seq > s.inbound) s.inbound = seq;
    return "ok";
  }

  async append(session: string, body: string, whenFull: "overflow" | "refuse" = "overflow"): Promise<AppendResult> {
    const s = this.#live(session, Date.now());
    if (!s || s.reset !== undefined) return { status: "absent" };
    if (s.entries.length >= this.#max) {
      if (whenFull === "refuse" && s.attached) return { status: "full" };
      this.#tombstone(session, s, "overflow");
      return { status: "overflow" };
    }
    s.entries.push(body);
    const seq = ++s.sent;
    // the owner shares this process: it gets the entry and writes it without a read
    this.#owners.tell(s, { type: "append", session, seq, entries: [{ seq, body }] });
    return { status: "stored", seq };
  }

  async acknowledge(session: string, fence: Fence, seq: number): Promise<FencedResult> {
    const s = this.#fenced(session, fence);
    if (typeof s === "string") return s;
    const upTo = Math.min(seq, s.sent);
    if (upTo > s.acked) {
      s.entries.splice(0, upTo - s.acked);
      s.acked = upTo;
    }
    return "ok";
  }

  async read(session: string, after: number, limit: number): Promise<readonly Entry[] | undefined> {
    const s = this.#live(session, Date.now());
    if (!s || s.reset !== undefined) return undefined;
    const from = Math.max(after, s.acked);
    const start = from - s.acked;
    return s.entries.slice(start, start + limit).map((body, i) => ({ seq: from + 1 + i, body }));
  }

  async detach(session: string, fence: Fence): Promise<FencedResult> {
    const s = this.#fenced(session, fence);
    if (typeof s === "string") return s;
    s.attached = false;
    s.seen = Date.now();
    this.#expiry.expire(session, s.seen);
    return "ok";
  }

  async drop(session: string, fence: Fence): Promise<FencedResult> {
    const s = this.#fenced(session, fence);
    if (typeof s === "string") return s;
    this.#forget(session);
    return "ok";
  }

  async inspect(session: string): Promise<SessionInfo | undefined> {
    const s = this.#live(session, Date.now());
    if (!s) return undefined;
    return {
      attached: s.attached,
      owner: s.owner,
      user: s.user ?? "",
      fence: s.fence,
      inbound: s.inbound,
      sent: s.sent,
      acked: s.acked,
      buffered: s.entries.length,
      created: s.created,
      seen: s.seen,
      reset: s.reset,
    };
  }

  async close(): Promise<void> {
    this.#expiry.close();
    this.#owners.clear();
    this.clear();
    await this.topics.close();
  }

  // ---- internals ------------------------------------------------------------

  /** The record, unless its expiry passed (the timer may not have run yet). */
  #live(session: string, now: number): Session | undefined {
    if (this.#expiry.due(session, now)) {
      this.#forget(session);
      return undefined;
    }
    return this.#sessions.get(session);
  }

  #fenced(session: string, fence: Fence): Session | "fenced" | "gone" {
    const s = this.#live(session, Date.now());
    if (!s || s.reset !== undefined) return "gone";
    return s.fence === fence ? s : "fenced";
  }

  /** Adds a new session to its user's index and evicts what is beyond the user's bound. */
  #index(session: string, owner: AttachOwner): void {
    let sessions = this.#users.get(owner.user);
    if (!sessions) this.#users.set(owner.user, (sessions = new Set()));
    sessions.add(session);
    if (sessions.size <= owner.sessionsPerUser) return;
    const records = [...sessions].map((id) => [id, this.#sessions.get(id) as Session] as const);
    for (const victim of victims(records, owner.sessionsPerUser, session)) {
      this.#tombstone(victim, this.#sessions.get(victim) as Session, "evicted");
    }
  }

  #unindex(session: string, s: Session | undefined): void {
    const user = s?.user;
    if (!user) return;
    const sessions = this.#users.get(user);
    if (sessions?.delete(session) && sessions.size === 0) this.#users.delete(user);
  }

  #tombstone(session: string, s: Session, reason: ResetReason): void {
    this.#unindex(session, s);
    this.#owners.tell(s, { type: "reset", session, reason });
    s.reset = reason;
    s.attached = false;
    s.entries = [];
    this.#expiry.expire(session, Date.now());
  }

  #forget(session: string): void {
    this.#unindex(session, this.#sessions.get(session));
    this.#sessions.delete(session);
    this.#expiry.keep(session);
  }
}

/**
 * The embedded store: sessions in this process's memory, expiring
 * `sessionTtl` after their last connection ended, each replay buffer bounded
 * by `replay.max`. One process only; for several nodes use a shared store.
 *
 * @example
 * const lifeline = createLifelineServer({ store: memoryStore({ sessionTtl: 60_000, replay: { max: 500 } }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new Memory(options);
}
