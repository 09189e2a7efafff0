// Topics (@lifeline/client/topics) across tabs: the leader holds one server
// subscription per topic for every tab that follows it. Each tab's own
// subscribe() keeps speaking the topic frames of docs/protocol.md (`sub` with
// its own position, `unsub`), and the leader keeps, per topic, which tab
// sessions follow it, what answers they wait for, and how far the line got:
// - a tab's `sub` is answered here when the subscription is live and the
//   tab has all the line delivered (a tab that joins later, or one as far as
//   the line): nothing goes to the server;
// - otherwise it goes to the server (which replaces the subscription and
//   answers it, in order, with `gap`/`subscribed` for that tab only, then
//   replays what follows its position: the tabs further on drop what they
//   have by its offset); tabs at one position share one `sub`;
// - publications go to every tab (each keeps its own position, so each gets
//   each publication once, in order); `refused` ends the topic for all;
// - `unsub` goes out when the last tab leaves.
// On a new line (a reconnect, a takeover) or a reset of the shared session
// the server holds nothing: every tab subscribes again from its position.

import { SELF } from "./wire.js";

/** A topic frame (docs/protocol.md, "Topics"), from a tab or the server. */
export interface TopicFrame {
  t: string;
  topic: string;
  epoch?: string;
  offset?: number;
}

interface Held {
  /** The tab sessions that follow the topic. */
  readonly tabs: Set<string>;
  /** Per `sub` written and not answered yet: its position and the tab sessions its answer is for. */
  readonly waiting: Array<{ at: string; to: Set<string> }>;
  /** The furthest the line got (a publication, or an answer). */
  epoch?: string;
  offset?: number;
}

/**
 * The topics of the tabs, as the leader keeps them for one line. `write`
 * sends a frame to the server; `relays` says which relay (or SELF) speaks
 * for a tab session, and `toTab` hands a frame to the client behind one.
 */
export function tabTopics(write: (frame: string) => void, relays: Map<string, string>, toTab: (relay: string, frame: string) => void) {
  const topics = new Map<string, Held>();

  /**
   * Hands a frame to the clients of the tab sessions `to` (`now`: a server
   * frame the leader's own client gets from the caller); false when none of
   * them is this tab's.
   */
  const answer = (to: Iterable<string>, frame: string, now: boolean): boolean => {
    let self = false;
    for (const source of to) {
      const relay = relays.get(source);
      // this tab's client: a server frame goes on its way now (the caller hands it over), an answer made here just after
      if (relay === SELF && now) self = true;
      else if (relay !== undefined) toTab(relay, frame);
    }
    return !self;
  };

  /** The tab sessions a server frame is for; undefined: every tab (a publication, or a topic no tab holds). */
  const route = (f: TopicFrame): Set<string> | undefined => {
    const held = topics.get(f.topic);
    if (!held) return undefined;
    if (f.epoch !== undefined && (f.epoch !== held.epoch || f.offset! > held.offset!)) {
      held.epoch = f.epoch;
      held.offset = f.offset;
    }
    switch (f.t) {
      case "subscribed":
        return held.waiting.shift()?.to ?? held.tabs;
      case "gap":
        // the first half of an answer (then `subscribed`), or news for every tab of a live subscription. (A live
        // gap that comes while a sub is unanswered reaches only the tabs that wait: the frames do not tell the two apart.)
        return held.waiting[0]?.to ?? held.tabs;
      case "refused":
        // no subscription is left on the server: over for every tab
        topics.delete(f.topic);
        return held.tabs;
    }
    return undefined;
  };

  return {
    /** The server holds no subscription (a new line, a reset session). */
    clear: () => topics.clear(),
    /** A tab's `sub` or `unsub`. */
    fromTab(source: string, frame: string): void {
      const f = JSON.parse(frame) as TopicFrame;
      let held = topics.get(f.topic);
      if (f.t !== "sub") {
        if (held?.tabs.delete(source) && !held.tabs.size) {
          topics.delete(f.topic);
          write(frame);
        }
        return;
      }
      if (!held) topics.set(f.topic, (held = { tabs: new Set(), waiting: [] }));
      held.tabs.add(source);
      const at = `${f.offset}:${f.epoch}`;
      const last = held.waiting.at(-1);
      if (last?.at === at) return void last.to.add(source);
      if (!last && held.epoch !== undefined && (f.epoch === undefined || (f.epoch === held.epoch && f.offset! >= held.offset!))) {
        // live, and the tab has all the line brought: answered here, as the server would
        const recovered = f.epoch !== undefined;
        answer([source], JSON.stringify({ t: "subscribed", topic: f.topic, epoch: held.epoch, offset: recovered ? f.offset : held.offset, recovered }), false);
        return;
      }
      held.waiting.push({ at, to: new Set([source]) });
      write(frame);
    },
    /** A topic frame from the server, handed to the tabs it is for (see `answer`); undefined: it goes to every tab. */
    fromServer(f: TopicFrame, frame: string): boolean | undefined {
      const to = route(f);
      return to && answer(to, frame, true);
    },
  };
}
