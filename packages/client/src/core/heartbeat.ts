// The heartbeat's error. Its two states are phases of the machine (`open`:
// quiet so far, `pinging`: a ping is out), each owning one timer, and what a
// firing timer means is decided in connection.ts's onTimer (inlined there:
// as functions of their own they cost ~50 B min+gzip).
import { LifelineError } from "./errors.js";
import type { ResolvedHeartbeat } from "./types.js";

/** The one error of a server that never answered a ping: the client stops pinging and keeps the line. */
export function unanswered({ ping, pong }: ResolvedHeartbeat): LifelineError {
  return new LifelineError(
    "HEARTBEAT_UNANSWERED",
    (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
      ? `the server never answered the heartbeat: no "${pong}" came back for "${ping}", so the client stopped pinging and keeps the line. Answer "${ping}" with "${pong}" on the server (docs/heartbeat.md), set the heartbeat option's ping and pong to what it speaks, or pass heartbeat: false`
      : `heartbeat "${ping}"/"${pong}"`,
  );
}
