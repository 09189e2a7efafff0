// The leader tab's side of the channel: it answers relays that look for it,
// writes their frames on its real socket in arrival order and confirms them,
// answers their heartbeat pings itself (after its own last round trip, so a
// follower's `latency` reflects the shared line, and a frozen leader goes
// unanswered), hands every incoming frame to all tabs and a request's reply
// only to the tab that asked. In acknowledged mode it also translates
// between each tab's protocol-v2 session and the shared one (session.ts).
import type { Line, Next } from "../core/extension.js";
import type { Frame } from "../core/types.js";
import type { Filter, Relay } from "./relay.js";
import { CATCH_UP_MS, acknowledge, assign, envelopeOf, heardUpTo, newSession, record } from "./session.js";
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
  /** The server's answer to the hello (the highest shared seq it handled), while this tab waits to hear who had the seqs up to it. */
  #answer: number | undefined;
  /** The timer that ends that wait. */
  #waiting: unknown;
  /** The assignments written on this line, and the highest shared seq written: a lower one would be a duplicate to the server. */
  #wrote = new WeakSet<Assigned>();
  #top = 0;
  /**
   * The server's reset that made this tab start the current shared session,
   * the tab sessions from before it (their messages are not assigned: their
   * tabs resend them under new sessions), and those that said hello since.
   */
  #reset: unknown;
  #stale = new Set<string>();
  #greeted = new Set<string>();

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
    this.#answer = undefined;
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
    this.#waiting = undefined;
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
    if (to === SELF) return next(value, re, raw);
    this.#post({ k: "in", l: this.#me, g: this.gen, f: raw, to });
    if (to === undefined) return next(value, re, raw);
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
        this.#answer = undefined;
        this.#wrote = new WeakSet();
        this.#top = 0;
        this.#sources.clear();
        this.#relays.clear();
        this.#whenReady = ready;
        // the shared session's hello, then everything the server has not acknowledged, with the seqs it had
        socket.raw(JSON.stringify({ t: "hello", session: state.id, ack: state.received }));
        for (const assigned of [...state.log]) this.#write(assigned);
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
   * took over. Before the line opens to the tabs it is taken in (the server's
   * answer to the hello says whether it was handled; hearing the assignment
   * that answer covers ends the wait for them). Once open: handled (the
   * server acknowledged its seq) means the tab's message is delivered;
   * otherwise it is written, under a new seq if this line already wrote a
   * higher one (the server would drop it as a duplicate). A tab's own resend
   * of it is then recognised either way.
   */
  late(assigned: Assigned): void {
    const { state } = this.#session!;
    if (!this.#ready) {
      record(state, assigned);
      if (this.#answer !== undefined && assigned[0] >= this.#answer) this.#open();
      return;
    }
    const [g, source, n] = assigned;
    if (n <= (state.sources[source] ?? 0) || state.log.some(([, s, m]) => s === source && m === n)) return;
    if (g <= state.acked) {
      state.sources[source] = n;
      const relay = this.#relays.get(source);
      if (relay !== undefined) this.#toTab(relay, `{"t":"ack","seq":${n}}`);
      return;
    }
    record(state, assigned);
    this.#write(assigned);
  }

  /**
   * Writes an assignment on this line: as it is when its seq is above all
   * written here, else (a late one) under the next seq, posted to every tab
   * first like any assignment, as the server would drop a lower seq.
   */
  #write(assigned: Assigned): void {
    const { state } = this.#session!;
    let out = assigned;
    if (assigned[0] <= this.#top) {
      const g = ++state.last;
      out = [g, assigned[1], assigned[2], envelopeOf(assigned[3])!.rewrite(g)];
      this.#post({ k: "seq", a: out });
      record(state, out);
    }
    this.#wrote.add(out);
    this.#top = out[0];
    this.#gate?.raw(out[3]);
  }

  /**
   * The server answered the hello: it handled the shared seqs up to `g`.
   * When that covers seqs this tab never heard assigned, the old leader's last
   * posts are still on their way: without them a tab's resend of a message the
   * server has would go out under a new seq and be delivered twice. So the
   * line opens once they are here, or after CATCH_UP_MS at most.
   */
  #answered(g: number): void {
    this.#answer = Math.max(this.#answer ?? 0, g);
    if (this.#answer <= heardUpTo(this.#session!.state)) return this.#open();
    if (this.#waiting !== undefined) return;
    const { clock } = this.#line.options;
    const timer = (this.#waiting = clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#open();
    }, CATCH_UP_MS));
    this.#timers.add(timer);
  }

  /** The hello is answered and its seqs accounted for: resend what the server has not handled, open the line to the tabs. */
  #open(): void {
    const answer = this.#answer;
    if (answer === undefined || this.#ready) return;
    this.#answer = undefined;
    if (this.#waiting !== undefined) {
      this.#line.options.clock.clearTimeout(this.#waiting);
      this.#timers.delete(this.#waiting);
      this.#waiting = undefined;
    }
    this.#acked(answer);
    // what was heard meanwhile and the server has not handled
    for (const assigned of [...this.#session!.state.log]) if (!this.#wrote.has(assigned)) this.#write(assigned);
    // the shared line is open (to this tab's client, then, through `up`, to the others)
    this.#ready = true;
    this.#whenReady?.();
    for (const early of this.#early.splice(0)) if (!this.#fromServer(early)) this.#gate?.deliver(early);
  }

  /** The server acknowledged the shared seqs up to `g`: each tab hears the ack of its own messages. */
  #acked(g: number): void {
    this.#post({ k: "acked", g });
    for (const [source, n] of acknowledge(this.#session!.state, g)) {
      const relay = this.#relays.get(source);
      if (relay !== undefined) this.#toTab(relay, `{"t":"ack","seq":${n}}`);
    }
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
      // no hello yet, or a session the server reset: the tab resends after its next hello
      if (source === undefined || this.#stale.has(source)) return true;
      const result = assign(state, source, envelope.n, envelope);
      if (result === "acked") this.#toTab(relay, `{"t":"ack","seq":${state.sources[source]}}`);
      else if (result !== "sent") {
        // every tab hears of the assignment before the server gets the frame: whoever leads next can resend it
        this.#post({ k: "seq", a: result });
        record(state, result);
        const id = /^\{"t":"req","seq":\d+,"id":("(?:[^"\\]|\\.)*")/.exec(result[3])?.[1];
        if (id !== undefined) this.#route(JSON.parse(id) as string, relay);
        this.#write(result);
      }
      return true;
    }
    if (typeof frame === "string" && frame.startsWith('{"t":"hello"')) {
      const hello = JSON.parse(frame) as { session?: unknown; ack?: unknown; resume?: unknown };
      const source = String(hello.session);
      this.#sources.set(relay, source);
      this.#relays.set(source, relay);
      const resumes = hello.resume === true || Number(hello.ack) > 0;
      if (this.#reset !== undefined && resumes && !this.#greeted.has(source) && !(source in state.sources)) {
        // a tab session from before the server reset the shared one: it hears that reset, as from a server, and starts anew
        this.#stale.add(source);
        this.#toTab(relay, this.#reset as string);
        return true;
      }
      if (this.#reset !== undefined) this.#greeted.add(source);
      this.#toTab(relay, `{"t":"ack","seq":${state.sources[source] ?? 0}}`);
      return true;
    }
    // acks of server messages: this tab's stand for all (every tab hears the same messages), unless its session is reset
    if (relay === SELF && !this.#stale.has(this.#sources.get(SELF) ?? "")) this.#gate?.raw(frame);
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
    if (!this.#ready && frame?.t === "reset") {
      // the answer to the hello: the server has no state for the shared session (it lost it). A fresh one, said hello
      // to on this socket; each tab hears the reset in answer to its own hello (see #fromTab) and resends under a new session
      this.#renew(data);
      this.#answer = undefined;
      this.#gate?.raw(JSON.stringify({ t: "hello", session: this.#session!.state.id, ack: 0 }));
      return true;
    }
    if (!this.#ready && frame?.t !== "ack") {
      this.#early.push(data);
      return true;
    }
    switch (frame?.t) {
      case "ack": {
        const g = Number(frame.seq);
        if (!(g >= 0)) return false;
        if (this.#ready) this.#acked(g);
        else this.#answered(g);
        return true;
      }
      case "reset":
        // the server lost the shared session: a fresh one; every tab's own session resets and resends under it
        this.#renew(data);
        break;
      case "msg":
        if (typeof frame.seq === "number" && frame.seq > state.received) state.received = frame.seq;
    }
    const to = this.#routed(frame?.re);
    if (to !== SELF) this.#post({ k: "in", l: this.#me, g: this.gen, f: data, to, K: this.#session!.state.received });
    return to !== undefined && to !== SELF;
  }

  /** The server reset the shared session: a fresh one, posted to every tab; the tab sessions of this line are over. */
  #renew(reset: unknown): void {
    this.#session!.state = newSession(newId());
    this.#post({ k: "session", st: this.#session!.state });
    this.#reset = reset;
    this.#stale = new Set(this.#sources.values());
    this.#greeted.clear();
  }
}
