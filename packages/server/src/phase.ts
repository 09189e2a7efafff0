// Where a connection stands in the protocol, and which client frames each
// state admits (docs/protocol.md): a pure decision, taken when a frame's turn
// in the connection's inbox comes.
import { parseFrame } from "./frames.js";
import type { ClientFrame } from "./frames.js";

export type Phase =
  /** Waiting for the first `hello`. */
  | "greeting"
  /** A `hello` is being handled. */
  | "hello"
  /** Speaking for a session. */
  | "bound"
  /** The session was reset: waiting for a `hello` for a new one; its frames are ignored. */
  | "reset"
  /** The socket is closing or closed: frames are ignored. */
  | "closed";

/** What to do with a frame's text: handle the frame, ignore it, or close for a protocol violation. */
export type Admission = { readonly frame: ClientFrame } | { readonly problem: string } | undefined;

/** Parses `text` and decides, for a connection in `phase`, whether its frame is handled. */
export function admit(phase: Phase, text: string): Admission {
  if (phase === "closed") return undefined;
  const parsed = parseFrame(text);
  if ("problem" in parsed) return parsed;
  const t = parsed.frame.t;
  if (t === "hello") return phase === "greeting" || phase === "reset" ? parsed : { problem: "second hello" };
  if (phase === "greeting") return { problem: "hello expected" };
  // reset: the client has not read the reset yet, these belong to the session it will replace
  return phase === "reset" ? undefined : parsed;
}
