// Backpressure for producers: a send may wait for room in a session's
// replay buffer while its client is connected, instead of overflowing it.
// Room comes from the client's acknowledgements; on this node they wake the
// waiting sends at once, acknowledgements on another node of a fleet are
// noticed by trying again every ROOM_POLL_MS.
import { platform } from "./platform.js";
import type { AppendResult, Store } from "./store.js";

/** How often a waiting send tries again when no acknowledgement on this node woke it. */
export const ROOM_POLL_MS = 20;

/** Sends waiting for room, by session; each leaves when woken or when its timer ran out. */
export class RoomWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  /** Resolves at the next `wake(session)`, or after `ms`. */
  wait(session: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiting.get(session);
      if (!waiters) this.#waiting.set(session, (waiters = new Set()));
      const done = () => {
        platform.clearTimeout(timer);
        const left = this.#waiting.get(session);
        if (left?.delete(done) && left.size === 0) this.#waiting.delete(session);
        resolve();
      };
      const timer = platform.setTimeout(done, ms);
      waiters.add(done);
    });
  }

  /** The client of `session` acknowledged: its waiting sends try again now. */
  wake(session: string): void {
    const waiters = this.#waiting.get(session);
    if (waiters) for (const done of [...waiters]) done();
  }

  /** Sessions with a waiting send (for tests). */
  get size(): number {
    return this.#waiting.size;
  }
}

/**
 * `store.append`, waiting up to `waitMs` for room while the buffer is full and
 * the client connected (then `"full"`); a client away overflows as ever.
 * `stopped()` ends the wait early (the server is closing).
 */
export async function appendWithRoom(
  store: Store,
  room: RoomWaiters,
  session: string,
  body: string,
  waitMs: number,
  stopped: () => boolean,
): Promise<AppendResult> {
  if (!(waitMs > 0)) return store.append(session, body);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const result = await store.append(session, body, "refuse");
    const left = deadline - Date.now();
    if (result.status !== "full" || left <= 0 || stopped()) return result;
    await room.wait(session, Math.min(left, ROOM_POLL_MS));
  }
}
