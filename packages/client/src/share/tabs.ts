// One client's part in the tabs' arrangement: it joins the election while the
// client runs, supplies a relay as the socket of each attempt while it
// follows (the real socket while it leads), keeps what its relays handed to a
// leader until that leader confirmed it, and resends it, first, on the next
// line — through the new leader, or on its own socket when it took over.
import type { Extension, Line } from "../core/extension.js";
import type { Entry } from "../core/types.js";
import { elect } from "./election.js";
import type { Election, LockManagerLike } from "./election.js";
import { Leader } from "./leader.js";
import { Relay } from "./relay.js";
import { TAKEOVER_GAP, acknowledge, newSession, record } from "./session.js";
import { newId } from "./wire.js";
import type { ChannelConstructor, ChannelLike, Post } from "./wire.js";

/** `"leader"`: this tab holds the WebSocket for every tab; `"follower"`: it relays through the leader; `"solo"`: no sharing here, its own socket. */
export type Role = "leader" | "follower" | "solo";

/** A relay that hears nothing from any leader within this time (a frozen leader tab) takes the lock. */
export const ANSWER_MS = 1_000;
/** Request ids this tab remembers as unanswered, at most (beyond, the oldest: a request long timed out). */
const ASKED_MAX = 256;
/** Frames of the leader's open line kept for this tab while it has no open relay (an async `url` resolving), at most. */
const MISSED_MAX = 1_000;

/** What acrossTabs() resolved: the name, the lock manager and channel constructor to use, the role callback. */
export interface TabsSetup {
  readonly name: string;
  readonly locks: LockManagerLike;
  readonly Channel: ChannelConstructor;
  readonly onRole: ((role: Role) => void) | undefined;
}

/** The share feature of one client, where Web Locks and BroadcastChannel exist. */
export function joinTabs(line: Line, setup: TabsSetup): Extension {
  const me = newId();
  const { clock } = line.options;
  const heartbeat = line.options.heartbeat;
  let channel: ChannelLike | undefined;
  let election: Election | undefined;
  let role: Role | undefined;
  let leader: Leader | undefined;
  /** The relay of the current attempt (a follower's socket). */
  let relay: Relay | undefined;
  /** The current socket is the real WebSocket. */
  let real = false;
  /** Where and how the current attempt connects, for a relay that adopts the real socket. */
  let target: [string, string | string[] | undefined] | undefined;
  /** Messages a leader never confirmed (with the relay and number they went out with), resent first on the next line. */
  let held: Array<{ r: string; n: number; entry: Entry }> = [];
  /** The leader as last heard of. */
  let known: { l: string; g: number; up: boolean } | undefined;
  let stealTimer: unknown;
  /** What the leader's open line brought while this tab had no open relay: handed to the next relay that opens on it. */
  let missed: Array<{ l: string; g: number; f: unknown }> = [];
  /** This tab's requests still waiting for a reply: a new leader learns them, so their replies still reach only this tab. */
  const asked = new Set<string>();
  /** With `atLeastOnce()`: the shared session, as this tab knows it (see session.ts). */
  let framed = false;
  /** Web Locks or BroadcastChannel refused here (an opaque origin): this tab keeps its own socket. */
  let solo = false;
  const shared = { state: newSession(newId()) };
  /** The shared session came from another leader (not made by this tab). */
  let heardSession = false;

  const post = (message: Post) => channel?.postMessage(message);
  const announce = (next: Role) => {
    if (role === next) return;
    role = next;
    setup.onRole?.(next);
  };
  const heard = () => {
    clock.clearTimeout(stealTimer);
    stealTimer = undefined;
  };

  const lead = () => {
    // a session learnt from another leader: it may have numbered beyond what reached this tab
    if (heardSession) shared.state.last += TAKEOVER_GAP;
    const now = (leader = new Leader(me, line, post, framed ? shared : undefined));
    for (const id of asked) now.asked(id);
    announce("leader");
    post({ k: "lead", l: me });
    known = undefined;
    heard();
    if (relay && relay.readyState === 0 && relay.unconfirmed.length === 0 && target) {
      // the first attempt, still looking for a leader: this tab is it, so the relay becomes the real socket
      relay.adopt(new line.options.WebSocket(...target), framed ? now.gate(relay) : undefined);
      relay = undefined;
      real = true;
    } else if (!real) line.reconnect();
  };

  /** Opens the relay on leader `l`'s line `g`, then hands it what that line brought meanwhile. */
  const openRelay = (socket: Relay, l: string, g: number) => {
    const kept = missed;
    missed = [];
    if (asked.size > 0) post({ k: "ids", r: socket.id, ids: [...asked] });
    socket.open(l, g);
    for (const frame of kept) if (frame.l === l && frame.g === g) socket.deliver(frame.f);
  };

  const follow = () => {
    announce("follower");
    if (!leader) return;
    // the lock was taken from this tab (it seemed frozen): hand the line over
    leader.retire();
    leader = undefined;
    if (real) line.reconnect();
  };

  const alone = () => {
    solo = true;
    announce("solo");
    election?.leave();
    channel?.close();
    channel = undefined;
    if (relay) line.reconnect();
  };

  const onPost = ({ data }: { data: unknown }) => {
    const message = data as Post;
    switch (message.k) {
      case "hi":
      case "out":
      case "ids":
      case "ping":
        return leader?.handle(message);
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
        if (message.st && !leader) {
          shared.state = message.st;
          heardSession = true;
        }
        if (message.to !== undefined && message.to !== relay?.id) return;
        if (relay?.readyState === 0) openRelay(relay, message.l, message.g);
        // bound to an earlier line of this leader: it missed the drop in between
        else if (relay?.readyState === 1 && relay.gen !== message.g) relay.drop("the leader tab lost the line");
        // waiting out a backoff while the leader's line came back: try now
        else if (!relay && !real && !leader && !line.isOpen) line.reconnect();
        return;
      case "wait":
        if (message.to === relay?.id) heard();
        known = { l: message.l, g: 0, up: false };
        return;
      case "down":
        missed = [];
        if (message.to !== undefined) return void (message.to === relay?.id && relay.drop("the leader tab lost the line"));
        if (known?.l === message.l) known = { ...known, up: false };
        if (relay?.leader === message.l) relay.drop("the leader tab lost the line");
        return;
      case "ok":
        if (message.to === relay?.id) relay.confirm(message.n);
        // a confirmation that arrived after its relay was let go (the old leader's last words): no need to resend those
        else held = held.filter(({ r, n }) => r !== message.to || n > message.n);
        return;
      case "pong":
        if (message.to === relay?.id && heartbeat) relay.deliver(heartbeat.pong);
        return;
      case "seq":
        // heard late by a tab that leads now: the old leader's last words
        return void (leader ? leader.late(message.a) : record(shared.state, message.a));
      case "acked":
        return void acknowledge(shared.state, message.g);
      case "session":
        if (!leader) {
          shared.state = message.st;
          heardSession = true;
        }
        return;
      case "in":
        if (message.K !== undefined && message.K > shared.state.received) shared.state.received = message.K;
        if ((message.to === undefined || message.to === relay?.id) && relay?.leader === message.l && relay.gen === message.g) relay.deliver(message.f);
        // no open relay yet (an async url still resolving): keep it for the relay that opens on this line
        else if (message.to === undefined && relay?.readyState !== 1 && !leader && known?.l === message.l) {
          missed.push({ l: message.l, g: message.g, f: message.f });
          if (missed.length > MISSED_MAX) missed.shift();
        }
        return;
    }
  };

  /** Resends what no leader confirmed, oldest first: on the real socket, or through the relay. */
  const resend = () => {
    let i = 0;
    for (; i < held.length; i++) if (!(real ? line.write(held[i]!.entry.wire) : relay!.carry(held[i]!.entry))) break;
    held = held.slice(i);
  };

  return {
    start() {
      framed = line.framed;
      if (solo) return announce("solo");
      try {
        channel = new setup.Channel(`lifeline:${setup.name}`);
      } catch {
        return alone();
      }
      channel.addEventListener("message", onPost);
      election = elect(setup.locks, `lifeline:${setup.name}`, { lead, follow, fail: alone });
    },
    socket(href, protocols) {
      if (solo) return undefined;
      if (leader) {
        real = true;
        // in acknowledged mode the leader's client, too, speaks to the shared session through a filter
        if (!framed) return undefined;
        const gate = new Relay(post, undefined);
        return gate.adopt(new line.options.WebSocket(href, protocols), leader.gate(gate));
      }
      target = [href, protocols];
      const socket = (relay = new Relay(post, heartbeat ? heartbeat.ping : undefined));
      // once the core listens: open at once when the leader's line is known to be up (as it is then), else look for the leader
      void Promise.resolve().then(() => {
        if (relay !== socket || socket.readyState !== 0) return;
        if (known?.up) return openRelay(socket, known.l, known.g);
        post({ k: "hi", r: socket.id });
        clock.clearTimeout(stealTimer);
        stealTimer = clock.setTimeout(() => {
          stealTimer = undefined;
          if (role === "follower" && relay === socket && socket.readyState === 0) election?.steal();
        }, ANSWER_MS);
      });
      return socket;
    },
    open() {
      if (real) leader?.opened();
      if (held.length > 0) resend();
    },
    get transmit() {
      // only a relay needs to know which messages it carries; the leader's real socket takes the core's path
      // (acknowledged delivery numbers, holds and resends its messages itself)
      return relay && !real && !framed ? (entry: Entry) => relay!.carry(entry) : undefined;
    },
    receive(raw, value, next, re) {
      const id = re ?? (value as { re?: unknown } | null)?.re;
      if (typeof id === "string") asked.delete(id);
      return leader && real && !framed ? leader.incoming(raw, value, next, re) : next(value, re, raw);
    },
    outgoing(value, meta) {
      const id = meta?.id;
      if (id !== undefined) {
        asked.add(id);
        if (asked.size > ASKED_MAX) asked.delete(asked.values().next().value!);
        leader?.asked(id);
      }
      return value;
    },
    lost() {
      if (real) leader?.lost();
      else if (relay) {
        const { id } = relay;
        held = [...held, ...relay.unconfirmed.map(({ n, entry }) => ({ r: id, n, entry }))];
        // let go by this tab (its heartbeat found the leader silent, or reconnect()): the next relay asks before it trusts
        // the leader's last news, so a frozen leader that said nothing gets its lock taken
        if (known) known = { ...known, up: false };
      }
      relay = undefined;
      real = false;
      heard();
    },
    stop() {
      heard();
      missed = [];
      leader?.retire();
      leader = undefined;
      election?.leave();
      election = undefined;
      channel?.close();
      channel = undefined;
      known = undefined;
      role = undefined;
    },
    pending: () => [...held, ...(relay?.unconfirmed ?? [])].map(({ entry }) => entry.message),
  };
}
