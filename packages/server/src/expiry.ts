// When the memory store's sessions expire: a session waits here from the
// moment its last connection ended until `ttl` later. The TTL is the same
// for all, so the order of `expire()` calls is the order of expiry (setting
// a key again moves it to the end of the Map), and one timer, aimed at the
// earliest, serves them all. An idle store's timer never keeps a process
// alive.
import { platform } from "./platform.js";
import type { TimerHandle } from "./platform.js";

/** The longest delay a platform timer takes (2³¹ − 1 ms); a later expiry re-arms. */
const MAX_TIMER_MS = 2_147_483_647;

export class Expiry {
  readonly #at = new Map<string, number>();
  readonly #ttl: number;
  readonly #expired: (session: string) => void;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #closed = false;

  /** `expired` is called for each session whose time came, when the timer runs. */
  constructor(ttl: number, expired: (session: string) => void) {
    this.#ttl = ttl;
    this.#expired = expired;
  }

  /** The session expires `ttl` after `now`. */
  expire(session: string, now: number): void {
    this.#at.delete(session);
    this.#at.set(session, now + this.#ttl);
    this.#schedule();
  }

  /** The session no longer expires (attached again, or forgotten). */
  keep(session: string): void {
    if (this.#at.delete(session)) this.#schedule();
  }

  /** Whether the session's time came by `now` (the timer may not have run yet). */
  due(session: string, now: number): boolean {
    const at = this.#at.get(session);
    return at !== undefined && at <= now;
  }

  clear(): void {
    this.#at.clear();
    this.#schedule();
  }

  /** No timer from now on. */
  close(): void {
    this.#closed = true;
    this.clear();
  }

  /** Keeps the one timer aimed at the earliest expiry (or cleared when there is none). */
  #schedule(): void {
    const first = this.#at.values().next();
    const at = first.done || this.#closed ? Infinity : first.value;
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) platform.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    const wait = Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS);
    this.#timer = platform.setTimeout(() => this.#sweep(), wait);
    // an idle store must not keep a process alive (Node, Bun, Deno have unref)
    if (typeof this.#timer === "object") this.#timer.unref?.();
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    for (const [session, at] of this.#at) {
      if (at > now) break;
      this.#at.delete(session);
      this.#expired(session);
    }
    this.#schedule();
  }
}
