// How a leader in acknowledged mode writes assignments on its line: every
// assignment is announced to every tab first (a `seq` post), and written in
// order, each once this leader heard its post back on its echo channel
// (tabs.ts). A browser tearing a page down drops the posts it has not routed
// yet, while the socket, in another process, still sends what was written: a
// frame written before its post went round could reach the server with no
// other tab knowing its seq, and the message behind it would be delivered
// twice when its tab resends it through the next leader. A post heard back
// went round: every other tab gets it. Without an echo channel, nothing waits.
import type { Relay } from "./relay.js";
import { envelopeOf, record, standing } from "./session.js";
import type { Assigned, SessionState } from "./session.js";
import type { Post } from "./wire.js";

/** The writer of leader `me` (`echoes`: it hears its own posts back). */
export function createWriter(me: string, post: (post: Post) => void, session: { state: SessionState }, echoes: boolean) {
  /** The real socket of the current line, once open. */
  let socket: Relay | undefined;
  /** The assignments written (or queued to be) on this line, and the highest shared seq written: a lower one would be a duplicate to the server. */
  let wrote = new WeakSet<Assigned>();
  let top = 0;
  /** What to write on this line, in order, each with the number of this leader's last `seq` post before it. */
  let outbox: Array<[Assigned, number]> = [];
  /** The number of this leader's last `seq` post, and of the last one heard back. */
  let posts = 0;
  let echoed = echoes ? 0 : Infinity;

  /** Tells every tab of a new assignment (before the frame goes out: whoever leads next can resend it). */
  const announce = (assigned: Assigned) => {
    post({ k: "seq", a: assigned, l: me, i: ++posts });
    record(session.state, assigned);
  };

  /**
   * Writes what is queued, in order, once the posts before it went round: as
   * it is when its seq is above all written here, else (a late one) under the
   * next seq, announced like any assignment, as the server would drop a lower seq.
   */
  const flush = () => {
    while (outbox[0] && outbox[0][1] <= echoed && socket) {
      const [next] = outbox[0];
      if (next[0] <= top) {
        const g = ++session.state.last;
        const out: Assigned = [g, next[1], next[2], envelopeOf(next[3])!.rewrite(g)];
        announce(out);
        wrote.add(out);
        outbox[0] = [out, posts];
      } else {
        outbox.shift();
        top = next[0];
        socket.raw(next[3]);
      }
    }
  };

  /** Queues an assignment to be written on this line, after what is queued already. */
  const write = (assigned: Assigned) => {
    wrote.add(assigned);
    outbox.push([assigned, posts]);
    flush();
  };

  return {
    announce,
    write,
    /** True when the assignment was written (or queued) on this line. */
    wrote: (assigned: Assigned) => wrote.has(assigned),
    /** This leader's `seq` post number `i` went round: what waited for it is written. */
    echoed(i: number) {
      if (i <= echoed) return;
      echoed = i;
      flush();
    },
    /**
     * An assignment of an earlier leader heard once this line is open. True
     * when the server acknowledged its seq: its tab's message is delivered.
     * Else it is written, unless known, under a new seq if this line already
     * wrote a higher one (see flush). A tab's own resend of it is then
     * recognised either way.
     */
    late(assigned: Assigned): boolean {
      const { state } = session;
      const [g, source, n] = assigned;
      if (standing(state, source, n)) return false;
      if (g <= state.acked) {
        state.sources[source] = n;
        return true;
      }
      record(state, assigned);
      write(assigned);
      return false;
    },
    /** A new line on `to`: nothing is written on it yet. */
    open(to: Relay) {
      socket = to;
      wrote = new WeakSet();
      top = 0;
      outbox = [];
    },
    /** The line was let go: what waited is not written. */
    lost() {
      socket = undefined;
      outbox = [];
    },
  };
}
