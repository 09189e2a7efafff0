// The leader's half of acknowledged delivery across tabs (session.ts says
// what the shared session is): it speaks the shared session on the real
// socket, answers each tab's own hello, gives each tab's message a shared
// seq (posted to every tab, then written: writer.ts), turns the server's
// acks into each tab's own, holds the line closed to the tabs until the
// server's answer to the hello is accounted for, and starts a fresh shared
// session when the server lost it.
import type { Frame } from "../core/types.js";
import type { Filter, Relay } from "./relay.js";
import { CATCH_UP_MS, ack, acknowledge, assign, envelopeOf, heardUpTo, hello, newSession, parse, record, requestId } from "./session.js";
import type { Assigned, SessionState } from "./session.js";
import { tabTopics } from "./topics.js";
import type { TopicFrame } from "./topics.js";
import { SELF, newId, route, routed } from "./wire.js";
import type { Post, Routes } from "./wire.js";
import { createWriter } from "./writer.js";
import type { Line } from "../core/extension.js";

/**
 * The acknowledged-mode half of leader `me`: `gen` reads its line's
 * generation, `routes` is its table of request ids to relays.
 */
export function translate(me: string, line: Line, post: (post: Post) => void, gen: () => number, routes: Routes, session: { state: SessionState }, echoes: boolean) {
  const { clock, heartbeat } = line.options;
  let gate: Relay | undefined;
  let ready = false;
  let whenReady: (() => void) | undefined;
  /** Frames the server sent between the hello and its ack (a replay): handed out once the line is open to the tabs. */
  let early: unknown[] = [];
  /** The server's answer to the hello (the highest shared seq it handled), while this tab waits to hear who had the seqs up to it. */
  let answer: number | undefined;
  /** The timer that ends that wait. */
  let waiting: unknown;
  /** Relay (or SELF) → the tab session it said hello with, and back. */
  const sources = new Map<string, string>();
  const relays = new Map<string, string>();
  /**
   * The server's reset that made this tab start the current shared session,
   * the tab sessions from before it (their messages are not assigned: their
   * tabs resend them under new sessions), and those that said hello since.
   */
  let reset: unknown;
  let stale = new Set<string>();
  const greeted = new Set<string>();
  /** Assignments are announced, then written once their post went round (writer.ts). */
  const { announce, write, ...writer } = createWriter(me, post, session, echoes);

  /** Sends a frame to a tab's client: this tab's through its socket, a follower's through the channel. */
  const toTab = (relay: string, frame: string) => {
    const socket = gate;
    // as a socket would: later, not inside the write that caused it
    if (relay === SELF) queueMicrotask(() => socket?.deliver(frame));
    else post({ k: "in", l: me, g: gen(), f: frame, to: relay });
  };
  /** The tabs' topics (topics.ts): one server subscription per topic for every tab. */
  const topics = tabTopics((frame) => gate?.raw(frame), relays, toTab);

  /** Tab session `source` hears the server's ack of its messages up to `n` (when it said hello on this line). */
  const ackTab = (source: string, n: number) => {
    const relay = relays.get(source);
    if (relay !== undefined) toTab(relay, ack(n));
  };

  /** The server acknowledged the shared seqs up to `g`: each tab hears the ack of its own messages. */
  const acked = (g: number) => {
    post({ k: "acked", g });
    for (const [source, n] of acknowledge(session.state, g)) ackTab(source, n);
  };

  /**
   * The server answered the hello: it handled the shared seqs up to `g`.
   * When that covers seqs this tab never heard assigned, the old leader's last
   * posts are still on their way: without them a tab's resend of a message the
   * server has would go out under a new seq and be delivered twice. So the
   * line opens once they are here, or after CATCH_UP_MS at most.
   */
  const answered = (g: number) => {
    answer = Math.max(answer ?? 0, g);
    if (answer <= heardUpTo(session.state)) return open();
    waiting ??= clock.setTimeout(open, CATCH_UP_MS);
  };

  /** The hello is answered and its seqs accounted for: resend what the server has not handled, open the line to the tabs. */
  const open = () => {
    const handled = answer;
    if (handled === undefined || ready) return;
    answer = undefined;
    clock.clearTimeout(waiting);
    waiting = undefined;
    acked(handled);
    // what was heard meanwhile and the server has not handled
    for (const assigned of [...session.state.log]) if (!writer.wrote(assigned)) write(assigned);
    // the shared line is open (to this tab's client, then, through `up`, to the others)
    ready = true;
    whenReady?.();
    for (const frame of early.splice(0)) if (!fromServer(frame)) gate?.deliver(frame);
  };

  /** The server reset the shared session: a fresh one, posted to every tab; the tab sessions of this line are over. */
  const renew = (frame: unknown) => {
    session.state = newSession(newId());
    post({ k: "session", st: session.state });
    reset = frame;
    stale = new Set(sources.values());
    greeted.clear();
    topics.clear();
  };

  /** A frame from the server; true when no client of this tab should see it. */
  const fromServer = (data: unknown): boolean => {
    const { state } = session;
    const frame = parse(data);
    if (!ready && frame?.t === "reset") {
      // the answer to the hello: the server has no state for the shared session (it lost it). A fresh one, said hello
      // to on this socket; each tab hears the reset in answer to its own hello (see fromTab) and resends under a new session
      renew(data);
      answer = undefined;
      gate?.raw(hello(session.state));
      return true;
    }
    if (!ready && frame?.t !== "ack") {
      early.push(data);
      return true;
    }
    switch (frame?.t) {
      case "ack": {
        const g = Number(frame.seq);
        if (!(g >= 0)) return false;
        if (ready) acked(g);
        else answered(g);
        return true;
      }
      case "reset":
        // the server lost the shared session: a fresh one; every tab's own session resets and resends under it
        renew(data);
        break;
      case "msg":
        if (typeof frame.seq === "number" && frame.seq > state.received) state.received = frame.seq;
    }
    // a topic's answer goes to the tabs that asked for it
    const topical = typeof frame?.topic === "string" ? topics.fromServer(frame as TopicFrame, data as string) : undefined;
    if (topical !== undefined) return topical;
    const to = routed(routes, frame?.re);
    if (to !== SELF) post({ k: "in", l: me, g: gen(), f: data, to, K: session.state.received });
    return to !== undefined && to !== SELF;
  };

  /** A frame a tab's `atLeastOnce()` wrote: its hello, a message, an ack. Always dealt with here. */
  const fromTab = (relay: string, frame: Frame): true => {
    const { state } = session;
    const envelope = envelopeOf(frame);
    if (envelope) {
      const source = sources.get(relay);
      // no hello yet, or a session the server reset: the tab resends after its next hello
      if (source === undefined || stale.has(source)) return true;
      const result = assign(state, source, envelope.n, envelope);
      if (result === "acked") toTab(relay, ack(state.sources[source]));
      else if (result !== "sent") {
        // every tab hears of the assignment before the server gets the frame: whoever leads next can resend it
        announce(result);
        const id = requestId(result[3]);
        if (id !== undefined) route(routes, id, relay);
        write(result);
      }
      return true;
    }
    if (typeof frame === "string" && frame.startsWith('{"t":"hello"')) {
      const said = JSON.parse(frame) as { session?: unknown; ack?: unknown; resume?: unknown };
      const source = String(said.session);
      sources.set(relay, source);
      relays.set(source, relay);
      const resumes = said.resume === true || Number(said.ack) > 0;
      if (reset !== undefined && resumes && !greeted.has(source) && !(source in state.sources)) {
        // a tab session from before the server reset the shared one: it hears that reset, as from a server, and starts anew
        stale.add(source);
        toTab(relay, reset as string);
        return true;
      }
      if (reset !== undefined) greeted.add(source);
      toTab(relay, ack(state.sources[source]));
      return true;
    }
    if (typeof frame === "string" && /^\{"t":"(un)?sub"/.test(frame)) {
      const source = sources.get(relay);
      if (source !== undefined && !stale.has(source)) topics.fromTab(source, frame);
      return true;
    }
    // acks of server messages: this tab's stand for all (every tab hears the same messages), unless its session is reset
    if (relay === SELF && !stale.has(sources.get(SELF) ?? "")) gate?.raw(frame);
    return true;
  };

  return {
    fromTab,
    /** This leader's `seq` post number `i` went round (heard on its echo channel): what waited for it is written. */
    echoed: writer.echoed,
    /** The real socket was let go. */
    lost() {
      clock.clearTimeout(waiting);
      gate = undefined;
      writer.lost();
      ready = false;
      answer = undefined;
      waiting = undefined;
    },
    /** The filter between this tab's client and the real socket (see relay.ts). */
    gate(socket: Relay): Filter {
      gate = socket;
      return {
        opened: (ready_) => {
          const { state } = session;
          ready = false;
          early = [];
          answer = undefined;
          writer.open(socket);
          sources.clear();
          relays.clear();
          topics.clear();
          whenReady = ready_;
          // the shared session's hello, then everything the server has not acknowledged, with the seqs it had
          socket.raw(hello(state));
          for (const assigned of [...state.log]) write(assigned);
        },
        out: (frame) => fromTab(SELF, frame),
        in: (data) => (heartbeat && (data === heartbeat.ping || data === heartbeat.pong) ? false : fromServer(data)),
      };
    },
    /**
     * An assignment posted by an earlier leader that reached this tab after it
     * took over. Before the line opens to the tabs it is taken in (the server's
     * answer to the hello says whether it was handled; hearing the assignment
     * that answer covers ends the wait for them); once open, see the writer's
     * `late` (its tab hears the ack when the server had it).
     */
    late(assigned: Assigned) {
      if (!ready) {
        record(session.state, assigned);
        if (answer !== undefined && assigned[0] >= answer) open();
      } else if (writer.late(assigned)) ackTab(assigned[1], assigned[2]);
    },
  };
}

/** The leader's half of acknowledged delivery (see `translate`). */
export type Translator = ReturnType<typeof translate>;
