/** The client's public state, as `client.state` and the `state` event give it. */
export type State = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/**
 * The internal phase. `connecting` is one attempt with its socket (or its
 * url still resolving); `waiting` is the backoff pause between attempts.
 */
export type Phase =
  | { readonly kind: "idle" }
  | { readonly kind: "connecting"; readonly initial: boolean }
  | { readonly kind: "waiting" }
  | { readonly kind: "open" }
  | { readonly kind: "closed" };

/** What can happen to the machine; the client performs the effects. */
export type Transition =
  | { readonly type: "connect" } // the user starts it: first attempt
  | { readonly type: "attempt" } // a retry starts (backoff over, or reconnect())
  | { readonly type: "opened" } // the attempt's socket opened
  | { readonly type: "wait" } // the socket failed or closed; a retry is due later
  | { readonly type: "stop" }; // close() or giving up

function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

/**
 * The pure transition function: the next phase, or `undefined` when the
 * transition does not apply in this phase (the client then ignores it).
 */
export function transition(phase: Phase, event: Transition): Phase | undefined {
  switch (event.type) {
    case "connect":
      return phase.kind === "idle" || phase.kind === "closed" ? { kind: "connecting", initial: true } : undefined;
    case "attempt":
      return phase.kind === "idle" || phase.kind === "closed" ? undefined : { kind: "connecting", initial: false };
    case "opened":
      return phase.kind === "connecting" ? { kind: "open" } : undefined;
    case "wait":
      return phase.kind === "connecting" || phase.kind === "open" ? { kind: "waiting" } : undefined;
    case "stop":
      return phase.kind === "closed" ? undefined : { kind: "closed" };
    default:
      return assertNever(event);
  }
}

/** The public state of a phase: every retry, its wait included, is `reconnecting`. */
export function publicState(phase: Phase): State {
  switch (phase.kind) {
    case "idle":
      return "idle";
    case "connecting":
      return phase.initial ? "connecting" : "reconnecting";
    case "waiting":
      return "reconnecting";
    case "open":
      return "open";
    case "closed":
      return "closed";
    default:
      return assertNever(phase);
  }
}
