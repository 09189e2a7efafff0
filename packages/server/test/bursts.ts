// In-process connections (lifeline.connect) for the tests of what a turn of
// the event loop handles when many frames arrive at once (inbox.test.ts,
// turn-budget.test.ts): no sockets, so a burst lands in one synchronous go.
import type { LifelineServer, Transport } from "../src/index.js";

/** One turn of the event loop (the next immediates). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Opens one connection per session on `lifeline` (each says hello), with the
 * transport's other members from `transport(session)`; `acks` holds the last
 * ack each session heard, `handled` what `onMessage` pushed for it.
 */
export function connectSessions(lifeline: LifelineServer, sessions: readonly string[], handled: Map<string, number[]>, transport: (session: string) => Partial<Transport> = () => ({})) {
  const acks = new Map<string, number>();
  const conns = sessions.map((session) => {
    handled.set(session, []);
    const conn = lifeline.connect({
      send: (text) => {
        const frame = JSON.parse(text) as { t: string; seq: number };
        if (frame.t === "ack") acks.set(session, frame.seq);
      },
      close: () => {},
      ...transport(session),
    });
    conn.receive(JSON.stringify({ t: "hello", session, ack: 0 }));
    return conn;
  });
  return { conns, acks };
}

/** Each connection receives messages 1..`count` at once (their data is their seq). */
export function burst(conns: ReadonlyArray<{ receive(text: string): void }>, count: number): void {
  for (const conn of conns) for (let seq = 1; seq <= count; seq++) conn.receive(JSON.stringify({ t: "msg", seq, data: seq }));
}
