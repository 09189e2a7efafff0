// A follower's socket: a `WebSocketLike` over the BroadcastChannel. It opens
// when the leader's line is open, its frames go to the leader (user messages
// numbered, so the leader can confirm them), the leader's incoming frames
// arrive as `message` events, and it closes when the leader's line drops.
// The core treats it as any socket: state, heartbeat and queue mirror the
// shared line with no special case. On a tab's first attempt, before the
// election is decided, the relay may instead adopt the real WebSocket when
// the tab turns out to lead.
import type { Entry, Frame, WebSocketLike } from "../core/types.js";
import { newId } from "./wire.js";
import type { Post } from "./wire.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
const EVENTS = ["open", "close", "error", "message"];

/** A listener as `addEventListener` takes it. */
type Listener = ((event: any) => void) | { handleEvent(event: any): void };

/** What the leader puts between its client and the real socket in acknowledged mode (see session.ts). */
export interface Filter {
  /** A frame from the server; true when it was dealt with here (the client does not see it). */
  in(data: unknown): boolean;
  /** A frame the client writes; true when it was dealt with here. */
  out(frame: Frame): boolean;
  /** The real socket opened; the client sees `open` when `ready` is called (after the shared session's handshake). */
  opened(ready: () => void): void;
}

/** A user message handed to the leader by relay `r` as its number `n`, and not yet confirmed as written. */
export interface Carried {
  readonly r: string;
  readonly n: number;
  readonly entry: Entry;
}

/** A socket made of the channel (a follower's), or the real socket behind a filter (the leader's, see `adopt`). */
export class Relay implements WebSocketLike {
  readonly id = newId();
  binaryType = "arraybuffer";
  /** The leader this relay is bound to, and its line's generation, once open. */
  leader: string | undefined;
  gen = 0;
  /** Handed to the leader, not yet confirmed, oldest first. */
  unconfirmed: Carried[] = [];
  /** The relay's own state: CLOSED from the moment it adopts the real socket (then `readyState` is that socket's). */
  #state = CONNECTING;
  #n = 0;
  /**
   * The listener of each event type. A relay is a socket for the core
   * alone, which has one listener on its socket (core/attempts.ts): one per
   * type is all it needs, not a platform socket's registry.
   */
  readonly #listeners = new Map<string, Listener>();
  #real: WebSocketLike | undefined;
  #filter: Filter | undefined;
  readonly #forward = (real: { type: string; data?: unknown; code?: unknown; reason?: unknown; wasClean?: unknown }) => {
    const filter = this.#filter;
    // re-dispatched as this socket's own event: the core ignores events whose target is not its socket
    const event = { type: real.type, data: real.data, code: real.code, reason: real.reason, wasClean: real.wasClean };
    if (filter && event.type === "open") return filter.opened(() => this.#emit(event));
    if (filter && event.type === "message" && filter.in(event.data)) return;
    this.#emit(event);
  };
  readonly #post: (post: Post) => void;
  readonly #ping: string | undefined;

  constructor(post: (post: Post) => void, ping: string | undefined) {
    this.#post = post;
    this.#ping = ping;
  }

  get readyState(): number {
    return this.#real ? this.#real.readyState : this.#state;
  }

  /** Sets the listener of `type` (replacing the one before: see `#listeners`). */
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    if (this.#listeners.get(type) === listener) this.#listeners.delete(type);
  }

  #emit(event: { type: string; [key: string]: unknown }): void {
    event.target = this;
    const listener = this.#listeners.get(event.type);
    if (typeof listener === "function") listener(event);
    else listener?.handleEvent(event);
  }

  /** The leader's line is open: the relay opens, bound to that leader and generation. */
  open(leader: string, gen: number): void {
    if (this.#state !== CONNECTING) return;
    this.leader = leader;
    this.gen = gen;
    this.#state = OPEN;
    this.#emit({ type: "open" });
  }

  /** A frame from the leader (or the answer to this relay's ping); on an adopted socket, a frame the leader makes for its own client. */
  deliver(data: unknown): void {
    if (this.readyState === OPEN) this.#emit({ type: "message", data });
  }

  /** The leader wrote messages up to `n`. */
  confirm(n: number): void {
    this.unconfirmed = this.unconfirmed.filter((carried) => carried.n > n);
  }

  /** The leader's line dropped (or the leader is gone): the relay closes as a socket would. */
  drop(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#emit({ type: "close", code: 1006, reason: "the leader tab lost the line", wasClean: false });
  }

  /** Hands a user message to the leader; false when the relay is not open (it stays queued). */
  carry(entry: Entry): boolean {
    if (this.#state !== OPEN) return false;
    const n = ++this.#n;
    this.unconfirmed.push({ r: this.id, n, entry });
    this.#out(entry.wire, n, entry.meta?.id);
    return true;
  }

  /** Hands frame `f` to the leader for this relay's line (`n` numbers a user message, `id` is a request id). */
  #out(f: Frame, n?: number, id?: string): void {
    this.#post({ k: "out", r: this.id, l: this.leader!, g: this.gen, f, n, id });
  }

  /** Frames the core writes itself: the heartbeat ping (answered by the leader) and anything else, unnumbered. */
  send(frame: Frame): void {
    if (this.#real) return void (this.#filter?.out(frame) || this.#real.send(frame));
    if (this.#state !== OPEN) throw new Error("relay closed");
    if (frame === this.#ping) this.#post({ k: "ping", r: this.id, l: this.leader! });
    else this.#out(frame);
  }

  close(code?: number, reason?: string): void {
    const real = this.#real;
    this.#state = CLOSED;
    if (!real) return;
    for (const type of EVENTS) real.removeEventListener(type, this.#forward);
    real.close(code, reason);
  }

  /**
   * This tab leads: the relay becomes the real socket, events and all (on the
   * first attempt, when the election is decided after the relay was made; and
   * always in acknowledged mode, where `filter` translates).
   */
  adopt(ws: WebSocketLike, filter?: Filter): this {
    this.#real = ws;
    this.#filter = filter;
    this.#state = CLOSED;
    ws.binaryType = this.binaryType;
    for (const type of EVENTS) ws.addEventListener(type, this.#forward);
    return this;
  }

  /**
   * Writes to the real socket, past the filter; only while it is open (once
   * the server's close frame arrived a browser logs an error for a send, and
   * what is not written here is resent on the next line anyway).
   */
  raw(frame: Frame): void {
    if (this.#real?.readyState === OPEN) this.#real.send(frame);
  }
}
