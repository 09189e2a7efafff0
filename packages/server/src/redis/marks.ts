// The connections' marks (RECORD: the last client seq a connection handled,
// written when its inbox runs dry, delivery.ts) go to Redis in groups: at
// most one group in flight, and a group at most every MARK_GAP_MS. At a
// trickle a mark goes at the end of the current stretch of microtasks, as if
// alone; under load the marks of every inbox that ran dry meanwhile go
// together, in one write, and Redis wakes once for them. In the server
// bench's client→server phase (50 clients, ~100,000 messages/s) a mark went
// every ~25 messages, one Redis wakeup each (Redis's own CPU: 2.0 µs per
// message, grouping by round trip alone made groups of 1.3); with the 2 ms
// gap a group holds ~3 marks, and the inboxes, waiting a little longer for
// their mark, handle ~50 messages between marks: Redis 0.8 µs per message
// (docs/performance.md). Each caller still gets its own reply and the inbox
// waits for its own mark as before, so what is handled and not yet stored
// stays within one commit's worth (64); a handled message's mark may be
// written up to MARK_GAP_MS later than alone, which a node killed meanwhile
// redelivers (acknowledged only once stored, it was in flight for the client).
// The script calls of one group are made in one go: the runner corks the
// connection's socket for the rest of the stretch (runner.ts), so they leave
// in one write.
import { now, platform, realSetTimeout } from "../platform.js";

/** Groups of marks go at most this often (ms). */
const MARK_GAP_MS = 2;

/** Runs one mark's script call. */
export type WriteMark = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

interface Mark {
  readonly keys: readonly string[];
  readonly args: ReadonlyArray<string | number>;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class MarkGroups {
  readonly #write: WriteMark;
  /** The marks of the next group. */
  #next: Mark[] | undefined;
  /** Replies still awaited from the group in flight (0: none is). */
  #awaited = 0;
  /** The next group's send is scheduled (no group is in flight). */
  #scheduled = false;
  /** When the last group went. */
  #sentAt = -Infinity;

  constructor(write: WriteMark) {
    this.#write = write;
  }

  /** Writes a mark with the next group. */
  add(keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      (this.#next ??= []).push({ keys, args, resolve, reject });
      if (this.#awaited === 0) this.#schedule();
    });
  }

  /** The next group goes at the end of this stretch of microtasks, or MARK_GAP_MS after the last one went. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const go = (): void => {
      this.#scheduled = false;
      this.#flush();
    };
    const wait = this.#sentAt + MARK_GAP_MS - now();
    if (wait > 0) realSetTimeout.call(globalThis, go, Math.ceil(wait));
    else platform.queueMicrotask(go);
  }

  /** Sends the marks that waited, as one group (no group is in flight; scheduled only when a mark waits). */
  #flush(): void {
    const group = this.#next!;
    this.#next = undefined;
    this.#awaited = group.length;
    this.#sentAt = now();
    const answered = (): void => {
      if (--this.#awaited === 0 && this.#next) this.#schedule();
    };
    for (const mark of group) {
      let reply: Promise<unknown>;
      try {
        reply = this.#write(mark.keys, mark.args);
      } catch (error) {
        reply = Promise.reject(error);
      }
      reply.then(mark.resolve, mark.reject).then(answered);
    }
  }
}
