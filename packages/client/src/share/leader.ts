// The leader tab's side of the channel: it answers relays that look for it,
// writes their frames on its real socket in arrival order and confirms them,
// answers their heartbeat pings itself (after its own last round trip, so a
// follower's `latency` reflects the shared line, and a frozen leader goes
// unanswered), hands every incoming frame to all tabs and a request's reply
// only to the tab that asked. In acknowledged mode it also translates
// between each tab's protocol-v2 session and the shared one (session.ts).
import type { Line, Next } from "../core/extension.js";
import type { Frame } from "../core/options.js";
import type { Filter, Relay } from "./relay.js";
import { acknowledge, assign, envelopeOf, newSession, record } from "./session.js";
import type { Assigned, SessionState } from "./session.js";
import { newId } from "./wire.js";
import type { Post } from "./wire.js";

/** The leader's own client, where a relay id is expected. */
const SELF = "";
/** Request ids remembered for routing replies; beyond this the oldest are forgotten (a timed-out request's id). */
const MAX_ROUTES = 1_024;

type ServerFrame = { t?: unknown; seq?: unknown; re?: unknown } | null;

/** The leader tab's part, made when it wins the lock and retired when it stops leading. */
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
  /** Acknowledged mode: the shared session (this tab's copy, which the others follow), and the socket it speaks on. */
  readonly #session: { state: SessionState } | undefined;
  #gate: Relay | undefined;
  /** Acknowledged mode: relay (or SELF) → the tab session it said hello with, and back. */
  #sources = new Map<string, string>();
  #relays = new Map<string, string>();
  #ready = false;
  #whenReady: (() => void) | undefined;
  /** Frames the server sent between the hello and its ack (a replay): handed out once the line is open to the tabs. */
  #early: unknown[] = [];

  constructor(me: string, line: Line, post: (post: Post) => void, session?: { state: SessionState }) {
    this.#me = me;
    this.#line = line;
    this.#post = post;
    this.#session = session;
    const onBeat = ({ rtt }: { rtt: number }) => (this.#rtt = rtt);
    line.events.on("heartbeat", onBeat);
    this.#unheard = () => line.events.off("heartbeat", onBeat);
  }

  /** The real socket opened (the shared session, if any, has done its handshake). */
  opened(): void {
    this.#post({ k: "up", l: this.#me, g: ++this.gen, st: this.#session?.state });
  }

  /** The real socket was let go: relays close, pongs not yet sent are dropped. */
  lost(): void {
    this.#clearTimers();
    this.#gate = undefined;
    this.#ready = false;
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

  /** Where a reply goes: a relay id, SELF, or undefined (to everyone). */
  #routed(id: unknown): string | undefined {
    const to = typeof id === "string" ? this.#routes.get(id) : undefined;
    if (to !== undefined) this.#routes.delete(id as string);
    return to;
  }

  /** What a relay asked of the leader. */
  handle(post: Post): void {
    const line = this.#line;
    switch (post.k) {
      case "hi":
        return this.#post(line.isOpen ? { k: "up", l: this.#me, g: this.gen, to: post.r, st: this.#session?.state } : { k: "wait", l: this.#me, to: post.r });
      case "out":
        // a frame meant for an earlier line (or another leader) is not written: its tab resends it,
        // once its relay is closed (it missed the drop, or it opened on news of a line since gone)
        if (post.l !== this.#me || !line.isOpen) return;
        if (post.g !== this.gen) return this.#post({ k: "down", l: this.#me, to: post.r });
        if (this.#session) return void this.#fromTab(post.r, post.f);
        if (post.id !== undefined) this.#route(post.id, post.r);
        if (line.write(post.f) && post.n !== undefined) this.#post({ k: "ok", to: post.r, n: post.n });
        return;
      case "ids":
        for (const id of post.ids) this.#route(id, post.r);
        return;
      case "ping": {
        if (post.l !== this.#me || !line.isOpen) return;
        const pong = () => this.#post({ k: "pong", to: post.r });
        // a hidden page's timers run late (a second or more): answer at once there rather than a second late
        const hidden = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === "hidden";
        if (this.#rtt === 0 || hidden) return pong();
        const { clock } = line.options;
        const timer = clock.setTimeout(() => {
          this.#timers.delete(timer);
          pong();
        }, this.#rtt);
        this.#timers.add(timer);
        return;
      }
    }
  }

  /** A frame came in on the real socket: to every tab, or a reply only to the tab that asked. */
  incoming(raw: unknown, value: unknown, next: Next, re: unknown): void | Promise<void> {
    const to = this.#routed(re ?? (value as { re?: unknown } | null)?.re);
    if (to === SELF) return next(value, re);
    this.#post({ k: "in", l: this.#me, g: this.gen, f: raw, to });
    if (to === undefined) return next(value, re);
  }

  // ---- acknowledged mode: the shared session ---------------------------------

  /** The filter between this tab's client and the real socket (see relay.ts). */
  gate(socket: Relay): Filter {
    this.#gate = socket;
    const heartbeat = this.#line.options.heartbeat;
    return {
      opened: (ready) => {
        const { state } = this.#session!;
        this.#ready = false;
        this.#early = [];
        this.#sources.clear();
        this.#relays.clear();
        this.#whenReady = ready;
        // the shared session's hello, then everything the server has not acknowledged, with the seqs it had
        socket.raw(JSON.stringify({ t: "hello", session: state.id, ack: state.received }));
        for (const [, , , frame] of state.log) socket.raw(frame);
      },
      out: (frame) => this.#fromTab(SELF, frame),
      in: (data) => {
        if (heartbeat && (data === heartbeat.ping || data === heartbeat.pong)) return false;
        return this.#fromServer(data);
      },
    };
  }

  /**
   * An assignment posted by an earlier leader that reached this tab after it
   * took over: the server may not have it, so it is written (once ready; the
   * server drops it if it has it), and the tab's own resend is not.
   */
  late(assigned: Assigned): void {
    if (record(this.#session!.state, assigned) && this.#ready) this.#gate?.raw(assigned[3]);
  }

  /** Sends a frame to a tab's client: this tab's through its socket, a follower's through the channel. */
  #toTab(relay: string, frame: string): void {
    const gate = this.#gate;
    // as a socket would: later, not inside the write that caused it
    if (relay === SELF) queueMicrotask(() => gate?.deliver(frame));
    else this.#post({ k: "in", l: this.#me, g: this.gen, f: frame, to: relay });
  }

  /** A frame a tab's `atLeastOnce()` wrote: its hello, a message, an ack. Always dealt with here. */
  #fromTab(relay: string, frame: Frame): true {
    const { state } = this.#session!;
    const envelope = envelopeOf(frame);
    if (envelope) {
      const source = this.#sources.get(relay);
      if (source === undefined) return true; // no hello yet: the tab resends after its next one
      const result = assign(state, source, envelope.n, envelope);
      if (result === "acked") this.#toTab(relay, `{"t":"ack","seq":${state.sources[source]}}`);
      else if (result !== "sent") {
        // every tab hears of the assignment before the server gets the frame: whoever leads next can resend it
        this.#post({ k: "seq", a: result });
        record(state, result);
        const id = /^\{"t":"req","seq":\d+,"id":("(?:[^"\\]|\\.)*")/.exec(result[3])?.[1];
        if (id !== undefined) this.#route(JSON.parse(id) as string, relay);
        this.#gate?.raw(result[3]);
      }
      return true;
    }
    if (typeof frame === "string" && frame.startsWith('{"t":"hello"')) {
      const source = String((JSON.parse(frame) as { session?: unknown }).session);
      this.#sources.set(relay, source);
      this.#relays.set(source, relay);
      this.#toTab(relay, `{"t":"ack","seq":${state.sources[source] ?? 0}}`);
      return true;
    }
    // acks of server messages: this tab's stand for all (every tab hears the same messages)
    if (relay === SELF) this.#gate?.raw(frame);
    return true;
  }

  /** A frame from the server in acknowledged mode; true when no client of this tab should see it. */
  #fromServer(data: unknown): boolean {
    const { state } = this.#session!;
    let frame: ServerFrame = null;
    if (typeof data === "string" && data.startsWith('{"t":')) {
      try {
        frame = JSON.parse(data) as ServerFrame;
      } catch {
        // not ours to judge: the clients report it as invalid
      }
    }
    if (!this.#ready && frame?.t !== "ack") {
      this.#early.push(data);
      return true;
    }
    switch (frame?.t) {
      case "ack": {
        const g = Number(frame.seq);
        if (!(g >= 0)) return false;
        this.#post({ k: "acked", g });
        for (const [source, n] of acknowledge(state, g)) {
          const relay = this.#relays.get(source);
          if (relay !== undefined) this.#toTab(relay, `{"t":"ack","seq":${n}}`);
        }
        if (!this.#ready) {
          // the answer to the hello: the shared line is open (to this tab's client, then, through `up`, to the others)
          this.#ready = true;
          this.#whenReady?.();
          for (const early of this.#early.splice(0)) if (!this.#fromServer(early)) this.#gate?.deliver(early);
        }
        return true;
      }
      case "reset":
        // the server lost the shared session: a fresh one; every tab's own session resets and resends under it
        this.#session!.state = newSession(newId());
        this.#post({ k: "session", st: this.#session!.state });
        break;
      case "msg":
        if (typeof frame.seq === "number" && frame.seq > state.received) state.received = frame.seq;
    }
    const to = this.#routed(frame?.re);
    if (to !== SELF) this.#post({ k: "in", l: this.#me, g: this.gen, f: data, to, K: state.received });
    return to !== undefined && to !== SELF;
  }
}
