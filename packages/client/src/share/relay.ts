// A follower's socket: a `WebSocketLike` over the BroadcastChannel. It opens
// when the leader's line is open, its frames go to the leader (user messages
// numbered, so the leader can confirm them), the leader's incoming frames
// arrive as `message` events, and it closes when the leader's line drops.
// The core treats it as any socket: state, heartbeat and queue mirror the
// shared line with no special case. On a tab's first attempt, before the
// election is decided, the relay may instead adopt the real WebSocket when
// the tab turns out to lead.
import type { Frame, WebSocketLike } from "../core/options.js";
import type { Entry } from "../core/outbox.js";
import { newId } from "./wire.js";
import type { Post } from "./wire.js";

type Listener = ((event: any) => void) | { handleEvent(event: any): void };

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A user message handed to the leader and not yet confirmed as written. */
export interface Carried {
  readonly n: number;
  readonly entry: Entry;
}

export class Relay implements WebSocketLike {
  readonly id = newId();
  binaryType = "arraybuffer";
  /** The leader this relay is bound to, and its line's generation, once open. */
  leader: string | undefined;
  gen = 0;
  /** Handed to the leader, not yet confirmed, oldest first. */
  unconfirmed: Carried[] = [];
  #state = CONNECTING;
  #n = 0;
  #listeners = new Map<string, Set<Listener>>();
  #real: WebSocketLike | undefined;
  readonly #post: (post: Post) => void;
  readonly #ping: string | undefined;

  constructor(post: (post: Post) => void, ping: string | undefined) {
    this.#post = post;
    this.#ping = ping;
  }

  get readyState(): number {
    return this.#real ? this.#real.readyState : this.#state;
  }

  get adopted(): boolean {
    return this.#real !== undefined;
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  #emit(event: { type: string; [key: string]: unknown }): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
      if (typeof listener === "function") listener(event);
      else listener.handleEvent(event);
    }
  }

  /** The leader's line is open: the relay opens, bound to that leader and generation. */
  open(leader: string, gen: number): void {
    if (this.#state !== CONNECTING || this.#real) return;
    this.leader = leader;
    this.gen = gen;
    this.#state = OPEN;
    this.#emit({ type: "open" });
  }

  /** A frame from the leader (or the answer to this relay's ping). */
  deliver(data: unknown): void {
    if (this.#state === OPEN) this.#emit({ type: "message", data });
  }

  /** The leader wrote messages up to `n`. */
  confirm(n: number): void {
    let i = 0;
    while (i < this.unconfirmed.length && this.unconfirmed[i]!.n <= n) i++;
    if (i > 0) this.unconfirmed = this.unconfirmed.slice(i);
  }

  /** The leader's line dropped (or the leader is gone): the relay closes as a socket would. */
  drop(reason: string): void {
    if (this.#state === CLOSED || this.#real) return;
    this.#state = CLOSED;
    this.#emit({ type: "close", code: 1006, reason, wasClean: false });
  }

  /** Hands a user message to the leader; false when the relay is not open (it stays queued). */
  carry(entry: Entry): boolean {
    if (this.#state !== OPEN) return false;
    const n = ++this.#n;
    this.unconfirmed.push({ n, entry });
    this.#post({ k: "out", r: this.id, l: this.leader!, g: this.gen, f: entry.wire, n, id: entry.meta?.id });
    return true;
  }

  /** Frames the core writes itself: the heartbeat ping (answered by the leader) and anything else, unnumbered. */
  send(frame: Frame): void {
    if (this.#real) return this.#real.send(frame);
    if (this.#state !== OPEN) throw new Error("the relay to the leader tab is not open");
    if (frame === this.#ping) this.#post({ k: "ping", r: this.id, l: this.leader! });
    else this.#post({ k: "out", r: this.id, l: this.leader!, g: this.gen, f: frame });
  }

  close(code?: number, reason?: string): void {
    if (this.#real) return this.#real.close(code, reason);
    this.#state = CLOSED;
  }

  /** This tab won the election before the relay opened: it becomes the real socket, events and all. */
  adopt(ws: WebSocketLike): void {
    this.#real = ws;
    this.#state = CLOSED;
    ws.binaryType = this.binaryType;
    for (const type of ["open", "close", "error", "message"]) ws.addEventListener(type, (event: { type: string }) => this.#emit(event));
  }
}
