// Inbound marks coalesced per turn of the event loop: every connection of the
// node that commits in the same turn (stores its high-water mark before it
// acks) reaches Redis in one script call, instead of one call and one socket
// write each. Under a client → server load the node's cost was per Redis
// command, the write syscall above all; a connection's ack still waits for
// its own mark to be stored, so an ack never runs ahead of the store. Each
// caller gets its own answer, as if it had recorded alone.
import type { FencedResult } from "../store.js";

/** One mark to store: the session's hash key, the connection's fence, the seq. */
export interface Mark {
  readonly key: string;
  readonly fence: number;
  readonly seq: number;
}

/** Writes one batch of marks; answers one result per mark, in order. */
export type WriteMarks = (marks: readonly Mark[]) => Promise<readonly unknown[]>;

interface Pending extends Mark {
  readonly resolve: (result: FencedResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Most marks in one script call. */
const MAX_BATCH = 1_000;

type Schedule = (callback: () => void, ms?: number) => unknown;
const scope = globalThis as unknown as { setImmediate?: Schedule; setTimeout: Schedule };
/**
 * After the turn's I/O (every socket read in it has committed by then), or a
 * 0 ms timer where there is no `setImmediate`. Taken when the module loads, so
 * that a test's fake timers do not hold the store's writes.
 */
const schedule = scope.setImmediate ?? scope.setTimeout;

function fencedResult(reply: unknown): FencedResult {
  if (reply === "ok" || reply === "fenced" || reply === "gone") return reply;
  throw new Error(`@lifeline/server/redis: unexpected record reply ${String(reply)}`);
}

/** The marks waiting for the end of the current turn. */
export class RecordBatches {
  readonly #write: WriteMarks;
  #queue: Pending[] = [];
  /** Keys with a mark in the queue: another command for one of them flushes the queue first. */
  readonly #keys = new Set<string>();
  #scheduled = false;

  constructor(write: WriteMarks) {
    this.#write = write;
  }

  /** Queues one mark; it is written at the end of the turn (or before the session's next other command). */
  add(key: string, fence: number, seq: number): Promise<FencedResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ key, fence, seq, resolve, reject });
      this.#keys.add(key);
      if (this.#scheduled) return;
      this.#scheduled = true;
      schedule.call(globalThis, () => {
        this.#scheduled = false;
        this.flush();
      }, 0);
    });
  }

  /** True when a mark for `key` waits: Redis must see it before the session's next command. */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Writes every queued mark now, in the order they came. */
  flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    this.#keys.clear();
    for (let i = 0; i < queue.length; i += MAX_BATCH) void this.#send(queue.slice(i, i + MAX_BATCH));
  }

  /** Settles queued marks with `error` (the store closed). */
  rejectAll(error: Error): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#keys.clear();
    for (const item of queue) item.reject(error);
  }

  async #send(batch: Pending[]): Promise<void> {
    try {
      const replies = await this.#write(batch);
      if (replies.length !== batch.length) throw new Error(`@lifeline/server/redis: ${replies.length} record replies for ${batch.length} marks`);
      const results = replies.map(fencedResult);
      batch.forEach((item, i) => item.resolve(results[i] as FencedResult));
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}
