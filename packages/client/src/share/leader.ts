// The leader tab's side of the channel: it answers relays that look for it,
// writes their frames on its real socket in arrival order and confirms them,
// answers their heartbeat pings itself (after its own last round trip, so a
// follower's `latency` reflects the shared line, and a frozen leader goes
// unanswered), hands every incoming frame to all tabs and a request's reply
// only to the tab that asked.
import type { Line, Next } from "../core/extension.js";
import type { Post } from "./wire.js";

/** The leader's own requests: their replies stay in this tab. */
const SELF = "";
/** Request ids remembered for routing replies; beyond this the oldest are forgotten (a timed-out request's id). */
const MAX_ROUTES = 1_024;

export class Leader {
  /** The generation of the line: bumped at every open, so frames meant for an earlier line are not written on this one. */
  gen = 0;
  readonly #me: string;
  readonly #line: Line;
  readonly #post: (post: Post) => void;
  readonly #routes = new Map<string, string>();
  readonly #timers = new Set<unknown>();
  #rtt = 0;
  readonly #unheard: () => void;

  constructor(me: string, line: Line, post: (post: Post) => void) {
    this.#me = me;
    this.#line = line;
    this.#post = post;
    const onBeat = ({ rtt }: { rtt: number }) => (this.#rtt = rtt);
    line.events.on("heartbeat", onBeat);
    this.#unheard = () => line.events.off("heartbeat", onBeat);
  }

  /** The real socket opened. */
  opened(): void {
    this.#post({ k: "up", l: this.#me, g: ++this.gen });
  }

  /** The real socket was let go: relays close, pongs not yet sent are dropped. */
  lost(): void {
    this.#clearTimers();
    this.#post({ k: "down", l: this.#me });
  }

  /** This tab stops leading (its client closed, or the lock was stolen). */
  retire(): void {
    this.#clearTimers();
    this.#unheard();
  }

  #clearTimers(): void {
    for (const timer of this.#timers) this.#line.options.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  /** A request of this tab: its reply is not shown to the others. */
  asked(id: string): void {
    this.#route(id, SELF);
  }

  #route(id: string, to: string): void {
    this.#routes.set(id, to);
    if (this.#routes.size > MAX_ROUTES) this.#routes.delete(this.#routes.keys().next().value!);
  }

  /** What a relay asked of the leader. */
  handle(post: Post): void {
    const line = this.#line;
    switch (post.k) {
      case "hi":
        return this.#post(line.isOpen ? { k: "up", l: this.#me, g: this.gen, to: post.r } : { k: "wait", l: this.#me, to: post.r });
      case "out":
        // a frame meant for an earlier line (or another leader) is not written: its tab resends it
        if (post.l !== this.#me || post.g !== this.gen || !line.isOpen) return;
        if (post.id !== undefined) this.#route(post.id, post.r);
        if (line.write(post.f) && post.n !== undefined) this.#post({ k: "ok", to: post.r, n: post.n });
        return;
      case "ping": {
        if (post.l !== this.#me || !line.isOpen) return;
        const { clock } = line.options;
        const timer = clock.setTimeout(() => {
          this.#timers.delete(timer);
          this.#post({ k: "pong", to: post.r });
        }, this.#rtt);
        this.#timers.add(timer);
        return;
      }
    }
  }

  /** A frame came in on the real socket: to every tab, or a reply only to the tab that asked. */
  incoming(raw: unknown, value: unknown, next: Next, re: unknown): void | Promise<void> {
    const id = re ?? (value as { re?: unknown } | null)?.re;
    const to = typeof id === "string" ? this.#routes.get(id) : undefined;
    if (to !== undefined) this.#routes.delete(id as string);
    if (to === SELF) return next(value, re);
    this.#post({ k: "in", l: this.#me, g: this.gen, f: raw, to });
    if (to === undefined) return next(value, re);
  }
}
