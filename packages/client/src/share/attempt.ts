// The socket of each attempt of one tab's client: a relay while the tab
// follows, bound to a leader's open line (what that line brought while no
// relay was open is kept for the next one), or the real WebSocket while it
// leads. What a relay handed to a leader that never confirmed it is held and
// resent, first, on the next line: through the new leader, or on the real
// socket when this tab took over. A relay that hears no leader within
// ANSWER_MS (a frozen leader tab) has its tab take the lock.
import type { Line } from "../core/extension.js";
import type { Entry, WebSocketLike } from "../core/types.js";
import type { Leader } from "./leader.js";
import { Relay } from "./relay.js";
import type { Carried } from "./relay.js";
import type { Post } from "./wire.js";

/** A relay that hears nothing from any leader within this time (a frozen leader tab) takes the lock. */
export const ANSWER_MS = 1_000;
/** Frames of the leader's open line kept for this tab while it has no open relay (an async `url` resolving), at most. */
const MISSED_MAX = 1_000;

/** What the tab's side says to the attempt's: who leads here, and how to take the lock from a silent leader. */
export interface Tab {
  /** This tab's leader part, while it leads. */
  leader: Leader | undefined;
  /** Acknowledged delivery: the leader's client speaks through a filter too. */
  framed: boolean;
  /** Web Locks or BroadcastChannel refused here (an opaque origin): this tab keeps its own socket. */
  solo: boolean;
  /** Takes the lock, when this tab follows and its relay heard no leader. */
  steal(): void;
}

export function createAttempts(line: Line, post: (post: Post) => void, tab: Tab) {
  const { clock, heartbeat } = line.options;
  /** The relay of the current attempt (a follower's socket). */
  let relay: Relay | undefined;
  /** The current socket is the real WebSocket. */
  let real = false;
  /** Where and how the current attempt connects, for a relay that adopts the real socket. */
  let target: [string, string | string[] | undefined] | undefined;
  /** Messages a leader never confirmed (with the relay and number they went out with), resent first on the next line. */
  let held: Carried[] = [];
  /** The leader as last heard of. */
  let known: { l: string; g: number; up: boolean } | undefined;
  /** Runs out when a relay hears no leader (see ANSWER_MS); cleared when one is heard of (clearing one that ran is harmless). */
  let stealTimer: unknown;
  /** What the leader's open line brought while this tab had no open relay: handed to the next relay that opens on it. */
  let missed: Array<Post & { k: "in" }> = [];
  /** This tab's requests still waiting for a reply: a new leader learns them, so their replies still reach only this tab. */
  const asked = new Set<string>();

  const heard = () => clock.clearTimeout(stealTimer);

  /** Opens the relay on leader `l`'s line `g`, then hands it what that line brought meanwhile. */
  const openRelay = (socket: Relay, l: string, g: number) => {
    const kept = missed;
    missed = [];
    if (asked.size > 0) post({ k: "ids", r: socket.id, ids: [...asked] });
    socket.open(l, g);
    for (const frame of kept) if (frame.l === l && frame.g === g) socket.deliver(frame.f);
  };

  return {
    asked,
    get real() {
      return real;
    },
    /** The current attempt is a relay. */
    get following() {
      return relay !== undefined;
    },
    /** This tab won the lock. True when the first attempt, still looking for a leader, became the real socket. */
    lead(leader: Leader): boolean {
      known = undefined;
      heard();
      // a relay still connecting never carried a message (and was made with a target)
      if (relay?.readyState !== 0) return real;
      relay.adopt(new line.options.WebSocket(...target!), leader.shared?.gate(relay));
      relay = undefined;
      return (real = true);
    },
    /** A post from a leader (not the shared session's news). */
    heard(message: Post): void {
      switch (message.k) {
        case "lead":
          heard();
          missed = [];
          known = { l: message.l, g: 0, up: false };
          // a relay bound to the old leader will hear nothing more from it
          if (relay?.leader !== undefined && relay.leader !== message.l) line.reconnect();
          return;
        case "up":
          heard();
          known = { l: message.l, g: message.g, up: true };
          if (message.to !== undefined && message.to !== relay?.id) return;
          if (relay?.readyState === 0) openRelay(relay, message.l, message.g);
          // bound to an earlier line of this leader: it missed the drop in between
          else if (relay?.readyState === 1 && relay.gen !== message.g) relay.drop();
          // waiting out a backoff while the leader's line came back: try now
          else if (!relay && !real && !tab.leader && !line.isOpen) line.reconnect();
          return;
        case "wait":
          if (message.to === relay?.id) heard();
          known = { l: message.l, g: 0, up: false };
          return;
        case "down":
          missed = [];
          if (message.to !== undefined) return void (message.to === relay?.id && relay.drop());
          if (known?.l === message.l) known.up = false;
          if (relay?.leader === message.l) relay.drop();
          return;
        case "ok":
          if (message.to === relay?.id) relay.confirm(message.n);
          // a confirmation that arrived after its relay was let go (the old leader's last words): no need to resend those
          else held = held.filter(({ r, n }) => r !== message.to || n > message.n);
          return;
        case "pong":
          if (message.to === relay?.id && heartbeat) relay.deliver(heartbeat.pong);
          return;
        case "in":
          if ((message.to === undefined || message.to === relay?.id) && relay?.leader === message.l && relay.gen === message.g) relay.deliver(message.f);
          // no open relay yet (an async url still resolving): keep it for the relay that opens on this line
          else if (message.to === undefined && relay?.readyState !== 1 && !tab.leader && known?.l === message.l) {
            missed.push(message);
            if (missed.length > MISSED_MAX) missed.shift();
          }
      }
    },
    /** The socket of an attempt: the real one (through a filter in acknowledged mode) while leading, else a relay. */
    socket(href: string, protocols: string | string[] | undefined): WebSocketLike | undefined {
      const { leader } = tab;
      if (tab.solo) return undefined;
      if (leader) {
        real = true;
        // in acknowledged mode the leader's client, too, speaks to the shared session through a filter
        if (!tab.framed) return undefined;
        const gate = new Relay(post, undefined);
        return gate.adopt(new line.options.WebSocket(href, protocols), leader.shared!.gate(gate));
      }
      target = [href, protocols];
      const socket = (relay = new Relay(post, heartbeat ? heartbeat.ping : undefined));
      // once the core listens: open at once when the leader's line is known to be up (as it is then), else look for the leader
      void Promise.resolve().then(() => {
        if (relay !== socket || socket.readyState !== 0) return;
        if (known?.up) return openRelay(socket, known.l, known.g);
        post({ k: "hi", r: socket.id });
        heard();
        stealTimer = clock.setTimeout(() => relay === socket && socket.readyState === 0 && tab.steal(), ANSWER_MS);
      });
      return socket;
    },
    /** The line opened: tell the other tabs (leading), then resend what no leader confirmed, oldest first, on the real socket or through the relay. */
    open(): void {
      if (real) tab.leader?.opened();
      while (held[0] && (real ? line.write(held[0].entry.wire) : relay!.carry(held[0].entry))) held.shift();
    },
    /** Only a relay needs to know which messages it carries; the real socket takes the core's path. */
    get transmit() {
      return relay && !real && !tab.framed ? (entry: Entry) => relay!.carry(entry) : undefined;
    },
    lost(): void {
      if (real) tab.leader?.lost();
      else if (relay) {
        held = [...held, ...relay.unconfirmed];
        // let go by this tab (its heartbeat found the leader silent, or reconnect()): the next relay asks before it trusts
        // the leader's last news, so a frozen leader that said nothing gets its lock taken
        if (known) known.up = false;
      }
      relay = undefined;
      real = false;
      heard();
    },
    /** The client stopped: what it knew of the leader is over. */
    forget(): void {
      heard();
      missed = [];
      known = undefined;
    },
    pending: () => [...held, ...(relay?.unconfirmed ?? [])].map(({ entry }) => entry.message),
  };
}
