// The leases of the sessions attached through one redisStore: a session
// attached here keeps its keys alive by a lease that this store object
// renews every `sessionTtl / 3` while it is attached (a node that dies stops
// renewing, and its sessions expire). Renewals go out in pipelines of
// CHUNK, one after another: the leases of 5,000 sessions in one pipeline,
// encoded and then decoded in one go, blocked the event loop for tens of ms.
import { platform } from "../platform.js";
import type { TimerHandle } from "../platform.js";
import type { Fence } from "../store.js";

/** Leases renewed per pipeline. */
const CHUNK = 256;

/**
 * Renews these leases in one round trip: for each, whether it was renewed
 * (false: the session is no longer attached with that fence); `undefined`
 * when the round trip failed (the store reported it).
 */
export type RenewSome = (leases: ReadonlyArray<readonly [string, Fence]>) => Promise<readonly boolean[] | undefined>;

export class Leases {
  readonly #every: number;
  readonly #renewSome: RenewSome;
  /** Sessions attached here, with their fences. */
  readonly #fences = new Map<string, Fence>();
  /** The node each of those sessions was attached for. */
  readonly #owners = new Map<string, string>();
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(every: number, renewSome: RenewSome) {
    this.#every = every;
    this.#renewSome = renewSome;
  }

  /** `session` was attached here with `fence`, for `node`: its lease is renewed from now on. */
  hold(session: string, fence: Fence, node: string): void {
    this.#fences.set(session, fence);
    this.#owners.set(session, node);
    this.#schedule();
  }

  /** The lease of `session` is no longer renewed, if it is still the one of `fence`. */
  release(session: string, fence: Fence): void {
    if (this.#fences.get(session) !== fence) return;
    this.#fences.delete(session);
    this.#owners.delete(session);
  }

  /** The sessions held here and the node each was attached for. */
  owners(): IterableIterator<[string, string]> {
    return this.#owners.entries();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) platform.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#fences.clear();
    this.#owners.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed || this.#fences.size === 0) return;
    this.#timer = platform.setTimeout(() => void this.#renew(), this.#every);
    if (typeof this.#timer === "object") this.#timer.unref?.();
  }

  async #renew(): Promise<void> {
    this.#timer = undefined;
    const all = [...this.#fences];
    for (let from = 0; from < all.length && !this.#closed; from += CHUNK) {
      // a session detached or taken over since the list was made is left alone
      const some = all.slice(from, from + CHUNK).filter(([session, fence]) => this.#fences.get(session) === fence);
      if (some.length === 0) continue;
      const renewed = await this.#renewSome(some);
      if (!renewed) break;
      renewed.forEach((ok, i) => {
        const [session, fence] = some[i] as [string, Fence];
        if (!ok) this.release(session, fence);
      });
    }
    this.#schedule();
  }
}
