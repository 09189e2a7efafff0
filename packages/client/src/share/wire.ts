// What the tabs of one origin say to each other over the BroadcastChannel
// `lifeline:<name>`. `l` names a leader tab, `r` a follower's relay (one per
// attempt), `g` the generation of the leader's line (bumped on every open),
// `to` the relay a private answer is for. Only structured-clonable data.
import type { Frame } from "../core/types.js";
import type { Assigned, SessionState } from "./session.js";

/** One message on the channel. */
export type Post =
  /** A relay looks for the leader (answered with `up` or `wait`). */
  | { readonly k: "hi"; readonly r: string }
  /** Leader `l` won the lock. */
  | { readonly k: "lead"; readonly l: string }
  /** Leader `l`'s line is open, generation `g`: relays may open; in acknowledged mode `st` is the shared session. */
  | { readonly k: "up"; readonly l: string; readonly g: number; readonly to?: string | undefined; readonly st?: SessionState | undefined }
  /** Leader `l` is alive but its line is not open. */
  | { readonly k: "wait"; readonly l: string; readonly to: string }
  /** Leader `l`'s line was lost: relays bound to it close (only relay `to`, when it spoke for an earlier line). */
  | { readonly k: "down"; readonly l: string; readonly to?: string | undefined }
  /** Relay `r` asks leader `l` to write frame `f` on line generation `g`; `n` numbers a user message, `id` is a request id. */
  | { readonly k: "out"; readonly r: string; readonly l: string; readonly g: number; readonly f: Frame; readonly n?: number | undefined; readonly id?: string | undefined }
  /** Relay `r` (just opened) still waits for replies to these request ids. */
  | { readonly k: "ids"; readonly r: string; readonly ids: readonly string[] }
  /** The leader wrote relay `to`'s messages up to `n`. */
  | { readonly k: "ok"; readonly to: string; readonly n: number }
  /** Relay `r`'s heartbeat ping, answered by leader `l` itself. */
  | { readonly k: "ping"; readonly r: string; readonly l: string }
  | { readonly k: "pong"; readonly to: string }
  /** A frame leader `l` received on line generation `g`: for every relay, or only relay `to` (a request's reply); `K`: the server seq received so far. */
  | { readonly k: "in"; readonly l: string; readonly g: number; readonly f: unknown; readonly to?: string | undefined; readonly K?: number | undefined }
  /** Acknowledged mode: leader `l` gave a tab's message a shared seq (its post number `i`; the frame is written once `l` heard the post back). */
  | { readonly k: "seq"; readonly a: Assigned; readonly l?: string; readonly i?: number }
  /** Acknowledged mode: the server acknowledged up to shared seq `g`. */
  | { readonly k: "acked"; readonly g: number }
  /** Acknowledged mode: a fresh shared session (the server reset the old one). */
  | { readonly k: "session"; readonly st: SessionState };

/** The leader's own client, where a relay id is expected. */
export const SELF = "";

/** Request ids → the relay (or SELF) their reply goes to. */
export type Routes = Map<string, string>;
/** Request ids remembered for routing replies; beyond this the oldest are forgotten (a timed-out request's id). */
const MAX_ROUTES = 1_024;

export function route(routes: Routes, id: string, to: string): void {
  routes.set(id, to);
  if (routes.size > MAX_ROUTES) routes.delete(routes.keys().next().value!);
}

/** Where a reply goes: a relay id, SELF, or undefined (to everyone, or to no tab in particular). */
export function routed(routes: Routes, id: unknown): string | undefined {
  const to = typeof id === "string" ? routes.get(id) : undefined;
  if (to !== undefined) routes.delete(id as string);
  return to;
}

/** The part of `BroadcastChannel` used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The `BroadcastChannel` constructor, or a fake of it. */
export type ChannelConstructor = new (name: string) => ChannelLike;

/** A random id for a session, a tab or a relay (random-id.ts: cryptographic, never the `random` option). */
export { randomId as newId } from "../random-id.js";
