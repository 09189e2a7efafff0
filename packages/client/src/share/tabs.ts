// One client's part in the tabs' arrangement: it joins the election while the
// client runs, leads (leader.ts) or follows, hears the channel, and keeps
// its copy of the shared session (acknowledged mode, session.ts) for the day
// it takes over. The socket of each attempt, a relay or the real one, is
// attempt.ts's.
import type { Extension, Line, Meta, Next } from "../core/extension.js";
import { createAttempts } from "./attempt.js";
import type { Tab } from "./attempt.js";
import { elect } from "./election.js";
import type { Election, LockManagerLike } from "./election.js";
import { createLeader } from "./leader.js";
import { TAKEOVER_GAP, acknowledge, newSession, record } from "./session.js";
import type { SessionState } from "./session.js";
import { newId } from "./wire.js";
import type { ChannelConstructor, ChannelLike, Post } from "./wire.js";

/** `"leader"`: this tab holds the WebSocket for every tab; `"follower"`: it relays through the leader; `"solo"`: no sharing here, its own socket. */
export type Role = "leader" | "follower" | "solo";

/** Request ids this tab remembers as unanswered, at most (beyond, the oldest: a request long timed out). */
const ASKED_MAX = 256;

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
  let channel: ChannelLike | undefined;
  let election: Election | undefined;
  let role: Role | undefined;
  const shared = { state: newSession(newId()) };
  /** The shared session came from another leader (not made by this tab). */
  let heardSession = false;

  const post = (message: Post) => channel?.postMessage(message);
  /** This tab's leader part while it leads; `framed`: with `atLeastOnce()` (a shared session, see session.ts). */
  const tab: Tab = { leader: undefined, framed: false, solo: false, steal: () => role === "follower" && election?.steal() };
  const attempts = createAttempts(line, post, tab);
  const { asked } = attempts;
  const announce = (next: Role) => {
    if (role === next) return;
    role = next;
    setup.onRole?.(next);
  };

  /**
   * Acknowledged mode: while this tab leads, a second object on the channel
   * hears its own `seq` posts back; an assignment is written once its post
   * was (writer.ts says why). Undefined when the channel refused it.
   */
  let echo: ChannelLike | undefined;
  const deafen = () => {
    echo?.close();
    echo = undefined;
  };

  const lead = () => {
    // a session learnt from another leader: it may have numbered beyond what reached this tab
    if (heardSession) shared.state.last += TAKEOVER_GAP;
    deafen();
    try {
      if (tab.framed) echo = new setup.Channel(`lifeline:${setup.name}`);
    } catch {
      // (the first object was allowed: not expected) the leader then writes without waiting, as it did before
    }
    echo?.addEventListener("message", ({ data }) => {
      const { k, l, i } = data as { k?: unknown; l?: unknown; i?: number };
      if (k === "seq" && l === me) tab.leader?.shared?.echoed(i!);
    });
    const now = (tab.leader = createLeader(me, line, post, tab.framed ? shared : undefined, !!echo));
    for (const id of asked) now.asked(id);
    announce("leader");
    post({ k: "lead", l: me });
    // the first attempt, still looking for a leader, becomes the real socket; else the next attempt is one
    if (!attempts.lead(now)) line.reconnect();
  };

  const follow = () => {
    announce("follower");
    if (!tab.leader) return;
    // the lock was taken from this tab (it seemed frozen): hand the line over
    tab.leader.retire();
    tab.leader = undefined;
    deafen();
    if (attempts.real) line.reconnect();
  };

  const alone = () => {
    tab.solo = true;
    announce("solo");
    election?.leave();
    channel?.close();
    channel = undefined;
    deafen();
    if (attempts.following) line.reconnect();
  };

  /** A session from the leader, unless this tab leads (then its own is the one). */
  const learn = (state: SessionState | undefined) => {
    if (!state || tab.leader) return;
    shared.state = state;
    heardSession = true;
  };

  const onPost = ({ data }: { data: unknown }) => {
    const message = data as Post;
    switch (message.k) {
      case "hi":
      case "out":
      case "ids":
      case "ping":
        return tab.leader?.handle(message);
      case "seq":
        // heard late by a tab that leads now: the old leader's last words
        return void (tab.leader ? tab.leader.shared?.late(message.a) : record(shared.state, message.a));
      case "acked":
        return void acknowledge(shared.state, message.g);
      case "session":
        return learn(message.st);
      case "up":
        learn(message.st);
        break;
      case "in":
        if (message.K !== undefined && message.K > shared.state.received) shared.state.received = message.K;
    }
    attempts.heard(message);
  };

  // the socket of each attempt, what to resend and what is pending are the attempts' (attempt.ts)
  return Object.assign(attempts, {
    start() {
      tab.framed = !!line.options.delivery;
      if (tab.solo) return announce("solo");
      try {
        channel = new setup.Channel(`lifeline:${setup.name}`);
      } catch {
        return alone();
      }
      channel.addEventListener("message", onPost);
      election = elect(setup.locks, `lifeline:${setup.name}`, { lead, follow, fail: alone });
    },
    receive(raw: unknown, value: unknown, next: Next, re: unknown) {
      // a reply: its request is answered (anything else is in no set of ids)
      asked.delete((re ?? (value as { re?: unknown } | null)?.re) as string);
      return tab.leader && attempts.real && !tab.framed ? tab.leader.incoming(raw, value, next, re) : next(value, re, raw);
    },
    outgoing(value: unknown, meta: Meta | undefined) {
      const id = meta?.id;
      if (id !== undefined) {
        asked.add(id);
        if (asked.size > ASKED_MAX) asked.delete(asked.values().next().value!);
        tab.leader?.asked(id);
      }
      return value;
    },
    stop() {
      attempts.forget();
      tab.leader?.retire();
      tab.leader = undefined;
      election?.leave();
      election = undefined;
      channel?.close();
      channel = undefined;
      deafen();
      role = undefined;
    },
  });
}
