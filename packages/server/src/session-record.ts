// What the stores that keep whole session records (memory, a Durable
// Object's storage) have in common: the record's fields, taking a session
// over, telling a node about its sessions, and their options. Each store
// keeps the records where it keeps them and makes each method atomic its way.
import { platform } from "./platform.js";
import type { AttachResult, Fence, ResetReason, StoreEvent } from "./store.js";

/** One session as a store keeps it (see the table in store.ts). */
export interface SessionRecord {
  fence: Fence;
  owner: string | undefined;
  /** The user whose connection made it; `""`: anonymous. Absent in records from before users existed. */
  user?: string;
  attached: boolean;
  inbound: number;
  sent: number;
  acked: number;
  created: number;
  seen: number;
  /** Set for a tombstone. */
  reset: ResetReason | undefined;
}

export const STORE_DEFAULTS = { sessionTtl: 120_000, replay: { max: 1_000 } } as const;

/** `sessionTtl` and `replay.max` of a store's options, checked. */
export function storeLimits(options: { sessionTtl?: number; replay?: { max?: number } }): { ttl: number; max: number } {
  return {
    ttl: positiveInteger("sessionTtl", options.sessionTtl ?? STORE_DEFAULTS.sessionTtl),
    max: positiveInteger("replay.max", options.replay?.max ?? STORE_DEFAULTS.replay.max),
  };
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** A new session's record, made at `now` for `user`. */
export function freshRecord(now: number, user: string): SessionRecord {
  return { fence: 0, owner: undefined, user, attached: false, inbound: 0, sent: 0, acked: 0, created: now, seen: now, reset: undefined };
}

/** Whether `record` belongs to `user` (records from before users existed are anonymous). */
export const belongsTo = (record: SessionRecord, user: string): boolean => (record.user ?? "") === user;

/**
 * Which of a user's live sessions to evict so that at most `limit` remain,
 * never `keep` (the one just made): the least recently active first, those
 * without a live connection before any attached one.
 */
export function victims(sessions: ReadonlyArray<readonly [string, SessionRecord]>, limit: number, keep: string): string[] {
  const over = sessions.length - limit;
  if (over <= 0) return [];
  return sessions
    .filter(([session]) => session !== keep)
    .sort(([, a], [, b]) => Number(a.attached) - Number(b.attached) || a.seen - b.seen)
    .slice(0, over)
    .map(([session]) => session);
}

/**
 * `node` takes the session: the fence grows, the node that owned it (if a
 * connection was live there) hears `takeover`. Returns what `attach` answers.
 */
export function takeOver(record: SessionRecord, session: string, node: string, now: number, owners: Owners, created: boolean): AttachResult {
  if (record.attached && record.owner !== undefined) owners.notify(record.owner, { type: "takeover", session, fence: record.fence + 1 });
  record.fence++;
  record.owner = node;
  record.attached = true;
  record.seen = now;
  return { status: "attached", created, fence: record.fence, inbound: record.inbound, sent: record.sent, acked: record.acked };
}

/** The nodes subscribed in this process, told about their sessions after the store's step has finished. */
export class Owners {
  readonly #listeners = new Map<string, (event: StoreEvent) => void>();

  subscribe(node: string, listener: (event: StoreEvent) => void): () => Promise<void> {
    this.#listeners.set(node, listener);
    return async () => {
      if (this.#listeners.get(node) === listener) this.#listeners.delete(node);
    };
  }

  /** Tells `record`'s owner, if a connection of it is live. */
  tell(record: SessionRecord, event: StoreEvent): void {
    if (record.attached && record.owner !== undefined) this.notify(record.owner, event);
  }

  notify(node: string, event: StoreEvent): void {
    const listener = this.#listeners.get(node);
    // never inside the caller's own step: the store's method has finished first
    if (listener) platform.queueMicrotask(() => listener(event));
  }

  clear(): void {
    this.#listeners.clear();
  }
}
