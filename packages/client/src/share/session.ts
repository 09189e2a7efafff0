// Acknowledged delivery over the shared line. The server sees one session
// (`id`) with one run of sequence numbers, whichever tab leads; every tab's
// own `atLeastOnce()` keeps speaking protocol v2 with its own session, and
// the leader translates: a tab's message (tab session, n) gets the shared
// seq G, the server's cumulative ack of G becomes each tab's ack of its n.
// Every assignment is posted to every tab, and the frame written only once
// the leader heard that post back (a post that went round reaches every tab;
// one a dying page had not sent off yet is lost while its socket still sends
// what was written: writer.ts), so any tab that takes over knows the
// session, what the server has not acknowledged (and resends it with the
// same G, which the server drops if it has it), and each tab's acknowledged
// n (so a tab's own resend of an acknowledged message is answered, not
// written again): nothing lost, nothing delivered twice. Posts may reach
// the next leader after it took the lock: it waits for those the server's
// answer covers (CATCH_UP_MS at most), and writes a later one under a new
// seq if it already wrote a higher one (the server takes a lower seq after a
// higher one for a duplicate).

/** One assigned message the server has not acknowledged: shared seq, tab session, tab seq, frame (with the shared seq). */
export type Assigned = readonly [g: number, source: string, n: number, frame: string];

/** What every tab knows of the shared session; posted whole to a tab that joins. */
export interface SessionState {
  id: string;
  /** Highest shared seq assigned. */
  last: number;
  /** Highest shared seq the server acknowledged. */
  acked: number;
  /** Highest server seq received (the `ack` of the next hello). */
  received: number;
  /** Assigned and not acknowledged, by shared seq. */
  log: Assigned[];
  /** Per tab session: the highest n the server acknowledged. */
  sources: Record<string, number>;
}

/**
 * How far a new leader skips the shared seqs past what it knows. The old
 * leader's last assignments may still be on their way to it (the browser
 * may grant the lock before this tab has read the channel's last posts), and
 * a robbed leader was hung, not dead, and may still write what it was handed
 * before it learns it lost the lock. Numbered far above, the new leader's
 * messages are never shadowed by those (the protocol allows gaps).
 */
export const TAKEOVER_GAP = 1_000_000;

/**
 * How long a new leader waits for the old leader's last assignments when the
 * server's answer to its hello acknowledges seqs it has not heard of yet (they
 * are on their way over the channel: the old leader wrote them once they had
 * gone round, but this tab may read the channel late). Past it, the line opens
 * anyway: a tab's resend of a message behind an assignment still unread may
 * then reach the server twice (docs/sharing.md, what remains).
 */
export const CATCH_UP_MS = 1_000;

const ENVELOPE = /^\{"t":"(msg|req)","seq":(\d+)/;

/** A frame from the server, as far as the leader reads it. */
export type ServerFrame = { t?: unknown; seq?: unknown; re?: unknown; topic?: unknown } | null;

/** A server frame that is a lifeline envelope, parsed; null for anything else (the clients report it as invalid, not the leader). */
export function parse(data: unknown): ServerFrame {
  try {
    return typeof data === "string" && data.startsWith('{"t":') ? (JSON.parse(data) as ServerFrame) : null;
  } catch {
    return null;
  }
}

/** A tab's ack of its seq `n`, as the server would write it. */
export const ack = (n: number | undefined): string => `{"t":"ack","seq":${n ?? 0}}`;
/** The shared session's hello. */
export const hello = (state: SessionState): string => JSON.stringify({ t: "hello", session: state.id, ack: state.received });
/** The id of a request envelope, for routing its reply. */
export function requestId(frame: string): string | undefined {
  const id = /^\{"t":"req","seq":\d+,"id":("(?:[^"\\]|\\.)*")/.exec(frame)?.[1];
  return id === undefined ? undefined : (JSON.parse(id) as string);
}

/** A session nobody has used yet. */
export const newSession = (id: string): SessionState => ({ id, last: 0, acked: 0, received: 0, log: [], sources: {} });

/** A tab's outgoing envelope: its kind and seq, or undefined for anything else (hello, ack, ping). */
export function envelopeOf(frame: unknown): { n: number; rewrite(g: number): string } | undefined {
  if (typeof frame !== "string") return undefined;
  const match = ENVELOPE.exec(frame);
  if (!match) return undefined;
  return { n: Number(match[2]), rewrite: (g) => `{"t":"${match[1]}","seq":${g}${frame.slice(match[0].length)}` };
}

/**
 * Where tab session `source`'s message `n` stands: `"acked"` (the server has
 * it: answer the tab), `"sent"` (assigned already: written, or resent at the
 * open), or undefined (not assigned yet).
 */
export const standing = (state: SessionState, source: string, n: number): "acked" | "sent" | undefined =>
  n <= (state.sources[source] ?? 0) ? "acked" : state.log.some(([, s, m]) => s === source && m === n) ? "sent" : undefined;

/** Where a tab's message stands (see `standing`), or a new assignment to post and write. */
export function assign(state: SessionState, source: string, n: number, envelope: { rewrite(g: number): string }): "acked" | "sent" | Assigned {
  const g = standing(state, source, n) ?? ++state.last;
  return typeof g === "string" ? g : [g, source, n, envelope.rewrite(g)];
}

/** The highest shared seq this tab has heard of (assigned or acknowledged), not counting a takeover's skip. */
export const heardUpTo = (state: SessionState): number => Math.max(state.acked, state.log.at(-1)?.[0] ?? 0);

/**
 * Records an assignment (the leader's, or one heard from it), in seq order;
 * false when it adds nothing (acknowledged, or known under this seq or a
 * higher one). A message known under a lower seq moves to the higher one: a
 * leader renumbers a late assignment it can no longer write under its seq.
 */
export function record(state: SessionState, assigned: Assigned): boolean {
  const [g, source, n] = assigned;
  if (g <= state.acked || n <= (state.sources[source] ?? 0)) return false;
  const known = state.log.findIndex(([, s, m]) => s === source && m === n);
  if (known !== -1) {
    if (state.log[known]![0] >= g) return false;
    state.log.splice(known, 1);
  }
  let at = state.log.length;
  while (at > 0 && state.log[at - 1]![0] > g) at--;
  state.log.splice(at, 0, assigned);
  if (g > state.last) state.last = g;
  return true;
}

/** The server acknowledged up to `g`: the acknowledged n of each tab session that moved. */
export function acknowledge(state: SessionState, g: number): Map<string, number> {
  const moved = new Map<string, number>();
  if (g <= state.acked) return moved;
  state.acked = g;
  if (g > state.last) state.last = g;
  while (state.log[0] && state.log[0][0] <= g) {
    const [, source, n] = state.log.shift()!;
    if (n > (state.sources[source] ?? 0)) moved.set(source, (state.sources[source] = n));
  }
  return moved;
}
