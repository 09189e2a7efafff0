/** The client's public state, as `client.state` and the `state` event give it. */
export type State = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/**
 * The internal phase. Each phase owns at most one timer (see `timerOf`):
 * - `connecting` / `retrying`: one attempt, its url resolving or its socket opening (connect timeout);
 * - `waiting`: the backoff pause between attempts (the drawn delay);
 * - `open`: the line is up and quiet so far (heartbeat interval);
 * - `pinging`: a ping is out and nothing has come back yet (heartbeat timeout).
 */
export type Phase = "idle" | "connecting" | "retrying" | "waiting" | "open" | "pinging" | "closed";

/** What can happen to the machine; the client performs the effects. */
export type Transition =
  | "connect" // the user starts it: first attempt
  | "attempt" // a retry starts (backoff over, or reconnect())
  | "opened" // the attempt's socket opened
  | "ping" // the heartbeat sent a ping
  | "heard" // a frame arrived while a ping was out
  | "wait" // the socket failed or closed; a retry is due later
  | "stop"; // close() or giving up

const down = (phase: Phase) => phase === "idle" || phase === "closed";

/**
 * The pure transition function: the next phase, or `undefined` when the
 * transition does not apply in this phase (the client then ignores it).
 */
export function transition(phase: Phase, event: Transition): Phase | undefined {
  switch (event) {
    case "connect":
      return down(phase) ? "connecting" : undefined;
    case "attempt":
      return down(phase) ? undefined : "retrying";
    case "opened":
      return phase === "connecting" || phase === "retrying" ? "open" : undefined;
    case "ping":
      return phase === "open" || phase === "pinging" ? "pinging" : undefined;
    case "heard":
      return phase === "pinging" ? "open" : undefined;
    case "wait":
      return down(phase) || phase === "waiting" ? undefined : "waiting";
    default:
      // "stop": close() or giving up
      event satisfies "stop";
      return phase === "closed" ? undefined : "closed";
  }
}

const RENAMED: Partial<Record<Phase, State>> = { retrying: "reconnecting", waiting: "reconnecting", pinging: "open" };

/** The public state of a phase: every retry, its wait included, is `reconnecting`; a ping out is still `open`. */
export const publicState = (phase: Phase): State => RENAMED[phase] ?? (phase as State);
