// The leader tab's side of the channel: it answers relays that look for it,
// writes their frames on its real socket in arrival order and confirms them,
// answers their heartbeat pings itself (after its own last round trip, so a
// follower's `latency` reflects the shared line, and a frozen leader goes
// unanswered), hands every incoming frame to all tabs and a request's reply
// only to the tab that asked. In acknowledged mode the frames of the tabs
// and the server go through translate.ts instead (one shared session).
import type { Line, Next } from "../core/extension.js";
import type { SessionState } from "./session.js";
import { translate } from "./translate.js";
import type { Translator } from "./translate.js";
import { SELF, route, routed } from "./wire.js";
import type { Post } from "./wire.js";

/** The leader tab's part, made when it wins the lock and retired when it stops leading. */
export interface Leader {
  /** The real socket opened (the shared session, if any, has done its handshake). */
  opened(): void;
  /** The real socket was let go: relays close, pongs not yet sent are dropped. */
  lost(): void;
  /** This tab stops leading (its client closed, or the lock was stolen). */
  retire(): void;
  /** A request of this tab: its reply is not shown to the others. */
  asked(id: string): void;
  /** What a relay asked of the leader. */
  handle(post: Post): void;
  /** A frame came in on the real socket (plain mode): to every tab, or a reply only to the tab that asked. */
  incoming(raw: unknown, value: unknown, next: Next, re: unknown): void | Promise<void>;
  /** Acknowledged mode: the leader's half of the shared session (translate.ts); undefined in plain mode. */
  readonly shared: Translator | undefined;
}

/**
 * The leader part of tab `me`. In acknowledged mode `session` is the shared
 * session, and `echoes` says whether this tab hears its own posts back (an
 * echo channel, see writer.ts).
 */
export function createLeader(me: string, line: Line, post: (post: Post) => void, session?: { state: SessionState }, echoes = false): Leader {
  const { clock } = line.options;
  const routes = new Map<string, string>();
  /** Pongs waiting for the leader's own round trip. */
  const pongs = new Set<unknown>();
  /** The generation of the line: bumped at every open, so frames meant for an earlier line are not written on this one. */
  let gen = 0;
  let rtt = 0;
  const onBeat = (beat: { rtt: number }) => (rtt = beat.rtt);
  line.on("heartbeat", onBeat);
  const clear = () => {
    for (const timer of pongs) clock.clearTimeout(timer);
    pongs.clear();
  };
  const shared = session && translate(me, line, post, () => gen, routes, session, echoes);

  return {
    opened: () => post({ k: "up", l: me, g: ++gen, st: session?.state }),
    lost() {
      clear();
      shared?.lost();
      post({ k: "down", l: me });
    },
    retire() {
      clear();
      shared?.lost();
      line.off("heartbeat", onBeat);
    },
    asked: (id) => route(routes, id, SELF),
    handle(message) {
      switch (message.k) {
        case "hi":
          return post(line.isOpen ? { k: "up", l: me, g: gen, to: message.r, st: session?.state } : { k: "wait", l: me, to: message.r });
        case "out":
          // a frame meant for an earlier line (or another leader) is not written: its tab resends it,
          // once its relay is closed (it missed the drop, or it opened on news of a line since gone)
          if (message.l !== me || !line.isOpen) return;
          if (message.g !== gen) return post({ k: "down", l: me, to: message.r });
          if (shared) return void shared.fromTab(message.r, message.f);
          if (message.id !== undefined) route(routes, message.id, message.r);
          if (line.write(message.f) && message.n !== undefined) post({ k: "ok", to: message.r, n: message.n });
          return;
        case "ids":
          for (const id of message.ids) route(routes, id, message.r);
          return;
        case "ping": {
          if (message.l !== me || !line.isOpen) return;
          const pong = () => post({ k: "pong", to: message.r });
          // a hidden page's timers run late (a second or more): answer at once there rather than a second late
          const hidden = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === "hidden";
          if (rtt === 0 || hidden) return pong();
          const timer = clock.setTimeout(() => {
            pongs.delete(timer);
            pong();
          }, rtt);
          pongs.add(timer);
        }
      }
    },
    incoming(raw, value, next, re) {
      const to = routed(routes, re ?? (value as { re?: unknown } | null)?.re);
      if (to === SELF) return next(value, re, raw);
      post({ k: "in", l: me, g: gen, f: raw, to });
      if (to === undefined) return next(value, re, raw);
    },
    shared,
  };
}
