// Waiting for a congested socket to drain where the runtime has no drain
// event (WHATWG sockets: Deno), or one that may not fire below its own
// backpressure threshold (Bun): its buffered bytes are looked at on a short timer.
import { platform } from "../platform.js";

/** How often a congested socket's buffered bytes are looked at. */
export const DRAIN_POLL_MS = 10;

/**
 * Calls `resume` once `drained()` is true (the socket sent what it held, or
 * closed), looking every {@link DRAIN_POLL_MS} ms; `early` may be called
 * first (a runtime's drain event) and wins. Returns that early trigger.
 */
export function pollDrained(drained: () => boolean, resume: () => void): () => void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    resume();
  };
  const check = () => {
    if (done) return;
    if (drained()) finish();
    else platform.setTimeout(check, DRAIN_POLL_MS);
  };
  check();
  return finish;
}
