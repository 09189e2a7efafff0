// Which tab session each relay speaks for, as a leader in acknowledged mode
// keeps it for one line: every tab's own `atLeastOnce()` says hello with its
// own session (answered here with that session's ack, as a server would),
// then writes its envelopes under it. Once the server has reset the shared
// session, a tab session from before that reset is stale: it hears that
// reset in answer to its hello, as from a server, and resends under a new
// session (its old messages are not assigned).
import { ack } from "./session.js";
import type { SessionState } from "./session.js";

/** The tab sessions of leader's line; `toTab` hands a frame to the client behind a relay (or SELF). */
export function tabSessions(toTab: (relay: string, frame: string) => void) {
  /** Relay (or SELF) → the tab session it said hello with, and back. */
  const sources = new Map<string, string>();
  const relays = new Map<string, string>();
  /**
   * The server's reset that made this tab start the current shared session,
   * the tab sessions from before it, and those that said hello since.
   */
  let reset: unknown;
  let stale = new Set<string>();
  const greeted = new Set<string>();

  return {
    /** Tab session `source` hears the ack of its messages up to `n` (when it said hello on this line). */
    ack(source: string, n: number | undefined) {
      const relay = relays.get(source);
      if (relay !== undefined) toTab(relay, ack(n));
    },
    /** The relay (or SELF) that speaks for tab session `source`. */
    relay: (source: string) => relays.get(source),
    /** The tab session `relay` speaks for; undefined before its hello, or when the server reset it (its tab resends after its next hello). */
    live(relay: string): string | undefined {
      const source = sources.get(relay);
      return source === undefined || stale.has(source) ? undefined : source;
    },
    /** True when `relay` speaks for a tab session the server reset. */
    stale: (relay: string) => stale.has(sources.get(relay) ?? ""),
    /** A tab's hello (`frame`): answered with its session's ack, or, for a session from before the reset, with that reset. */
    hello(relay: string, frame: string, state: SessionState) {
      const said = JSON.parse(frame) as { session?: unknown; ack?: unknown; resume?: unknown };
      const source = String(said.session);
      sources.set(relay, source);
      relays.set(source, relay);
      const resumes = said.resume === true || Number(said.ack) > 0;
      if (reset !== undefined && resumes && !greeted.has(source) && !(source in state.sources)) {
        stale.add(source);
        return toTab(relay, reset as string);
      }
      if (reset !== undefined) greeted.add(source);
      toTab(relay, ack(state.sources[source]));
    },
    /** The server reset the shared session (its `frame`): every tab session that said hello so far is over. */
    renew(frame: unknown) {
      reset = frame;
      stale = new Set(sources.values());
      greeted.clear();
    },
    /** A new line: no tab said hello on it yet. */
    clear() {
      sources.clear();
      relays.clear();
    },
  };
}
