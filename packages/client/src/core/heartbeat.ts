// The heartbeat's two states are phases of the machine (`open`: quiet so
// far, `pinging`: a ping is out), each owning one timer; what a firing timer
// means is decided in connection.ts's onTimer (inlined there: as functions of
// their own the decisions cost ~50 B min+gzip). Here: the long message of its
// one error, for development builds only.
import type { ResolvedHeartbeat } from "./types.js";

/** Development builds: the message of `HEARTBEAT_UNANSWERED`, the one error of a server that never answered a ping (the client stops pinging and keeps the line). */
export function unanswered({ ping, pong }: ResolvedHeartbeat): string {
  return `the server never answered the heartbeat: no "${pong}" came back for "${ping}", so the client stopped pinging and keeps the line. Answer "${ping}" with "${pong}" on the server (docs/heartbeat.md), set the heartbeat option's ping and pong to what it speaks, or pass heartbeat: false`;
}
