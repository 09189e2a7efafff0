// The heartbeat's decisions. Its two states are phases of the machine
// (`open`: quiet so far, `pinging`: a ping is out, see connection.ts), each
// owning one timer; these functions decide what a firing timer means.
import { LifelineError } from "./errors.js";
import type { ResolvedHeartbeat } from "./types.js";

/** A timer firing this much later than it was due means the device slept. */
export const LATE_MS = 1_000;

/**
 * The `open` phase's timer fired at `now` (it was due at `due`): 0 means
 * "ping now" (a whole interval of silence, or the device slept), otherwise
 * the silence left to wait. The timer is not restarted per frame (that
 * would cost two timer calls per message); it re-arms for what is left.
 */
export function untilPing(heartbeat: ResolvedHeartbeat, now: number, due: number, lastHeard: number): number {
  const silence = now - lastHeard;
  return now - due > LATE_MS || silence >= heartbeat.interval ? 0 : heartbeat.interval - silence;
}

/**
 * The `pinging` phase's timer fired with nothing heard since the ping: the
 * line is dead, unless the timer fired late (the device slept, so the
 * silence proves nothing yet) and this was not already the second ping.
 */
export function isDead(now: number, due: number, secondPing: boolean): boolean {
  return secondPing || now - due <= LATE_MS;
}

/** The one error of a server that never answered a ping: the client stops pinging and keeps the line. */
export function unanswered({ ping, pong }: ResolvedHeartbeat): LifelineError {
  return new LifelineError(
    "HEARTBEAT_UNANSWERED",
    (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
      ? `the server never answered the heartbeat: no "${pong}" came back for "${ping}", so the client stopped pinging and keeps the line. Answer "${ping}" with "${pong}" on the server (docs/heartbeat.md), set the heartbeat option's ping and pong to what it speaks, or pass heartbeat: false`
      : `heartbeat "${ping}"/"${pong}"`,
  );
}
