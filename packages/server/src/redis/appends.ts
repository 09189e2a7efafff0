// Appends coalesced per session and tick: every `append` for a session made
// in the same tick (a producer's loop of `send()`s) reaches Redis as one
// script call carrying all the bodies (one RPUSH, one HSET, one PUBLISH)
// instead of a Lua call, a Pub/Sub event and a reply per message. The
// profile of the server→client path showed the node's cost to be per Redis
// command (encode, write, decode, a promise), so fewer commands is what
// makes it faster. Each caller still gets its own result, as if it had
// appended alone, in the order of the calls.
import type { AppendResult } from "../store.js";

/** What an append does when the replay buffer of a connected session is full. */
export type WhenFull = "overflow" | "refuse";

/**
 * The APPEND script's reply (scripts.ts): the first `stored` bodies were
 * stored with seqs `first`, `first + 1`, …; the others got `rest` (for
 * "overflow": the first of them overflowed the buffer, the session is gone
 * and the rest are "absent").
 */
export type AppendReply = [stored: number, first: number, rest: "" | "absent" | "full" | "overflow", local?: 0 | 1];

/** Writes one batch: the bodies of one session, in order, with one `whenFull`. */
export type WriteBatch = (session: string, bodies: readonly string[], whenFull: WhenFull) => Promise<AppendReply>;

interface Pending {
  readonly body: string;
  readonly whenFull: WhenFull;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Most bodies in one script call: Lua's `unpack` puts them on its stack (about 8,000 slots). */
const MAX_BATCH = 1_000;

/** The per-body results of one batch's reply. */
export function appendResults(reply: AppendReply, count: number): AppendResult[] {
  const [stored, first, rest] = reply;
  if (!Number.isInteger(stored) || stored < 0 || stored > count || (stored < count && !["absent", "full", "overflow"].includes(rest))) {
    throw new Error(`@lifeline/server/redis: unexpected append reply ${JSON.stringify(reply)}`);
  }
  return Array.from({ length: count }, (_, i): AppendResult => {
    if (i < stored) return { status: "stored", seq: first + i };
    if (rest === "overflow") return { status: i === stored ? "overflow" : "absent" };
    return { status: rest as "absent" | "full" };
  });
}

/** The appends waiting for the end of the current tick, per session key. */
export class AppendBatches {
  readonly #write: WriteBatch;
  readonly #together: (writeAll: () => void) => void;
  readonly #queues = new Map<string, { session: string; items: Pending[] }>();
  #scheduled = false;

  /** `together` runs the writes of one tick's batches (the store sends them as one write to Redis). */
  constructor(write: WriteBatch, together: (writeAll: () => void) => void = (writeAll) => writeAll()) {
    this.#write = write;
    this.#together = together;
  }

  /** Queues one append; it is written at the end of the tick (or before the session's next other command). */
  add(key: string, session: string, body: string, whenFull: WhenFull): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      let queue = this.#queues.get(key);
      if (!queue) this.#queues.set(key, (queue = { session, items: [] }));
      queue.items.push({ body, whenFull, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#together(() => {
          for (const key of [...this.#queues.keys()]) this.flush(key);
        });
      });
    });
  }

  /** Writes the appends queued for `key` now: another command for its session must not overtake them. */
  flush(key: string): void {
    const queue = this.#queues.get(key);
    if (!queue) return;
    this.#queues.delete(key);
    const { session, items } = queue;
    // one call per run of the same `whenFull`, at most MAX_BATCH bodies each
    for (let i = 0; i < items.length; ) {
      const whenFull = (items[i] as Pending).whenFull;
      let j = i + 1;
      while (j < items.length && j - i < MAX_BATCH && (items[j] as Pending).whenFull === whenFull) j++;
      void this.#send(session, items.slice(i, j), whenFull);
      i = j;
    }
  }

  /** Settles queued appends with `error` (the store closed). */
  rejectAll(error: Error): void {
    for (const { items } of this.#queues.values()) for (const item of items) item.reject(error);
    this.#queues.clear();
  }

  async #send(session: string, batch: Pending[], whenFull: WhenFull): Promise<void> {
    try {
      const results = appendResults(
        await this.#write(
          session,
          batch.map((item) => item.body),
          whenFull,
        ),
        batch.length,
      );
      batch.forEach((item, i) => item.resolve(results[i] as AppendResult));
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}
