// Inbound frames that arrive together on many connections are not all
// handled in one turn of the event loop: past a budget per turn, the
// connections' handler chains wait for the next turn. Nothing is lost,
// reordered or handled twice on the way.
import { describe, expect, it, vi } from "vitest";
import { createLifelineServer, memoryStore } from "../src/index.js";
import { burst, connectSessions, nextTurn } from "./bursts.js";

/** Runs microtasks until `count()` stopped moving for 100 of them (bounded): what this turn handles. */
const microtasks = async (count: () => number = () => 0) => {
  for (let i = 0, still = 0, last = -1; i < 200_000 && still < 100; i++) {
    await Promise.resolve();
    const now = count();
    still = now === last ? still + 1 : 0;
    last = now;
  }
};

describe("inbound frames per turn", () => {
  it("8 connections × 512 frames received at once: at most a budget handled per turn, all of them in order, once, in the turns after", async () => {
    const handled = new Map<string, number[]>();
    const lifeline = createLifelineServer({
      store: memoryStore(),
      onMessage: ({ session }, data) => void handled.get(session)?.push(data as number),
    });
    const sessions = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
    const { conns, acks } = connectSessions(lifeline, sessions, handled);
    // every hello answered, and a few turns more: the burst starts a turn of its own with the budget whole
    // (on a loaded machine the hellos alone can spend a turn's 4 ms and finish in later turns)
    for (let turn = 0; turn < 100 && acks.size < sessions.length; turn++) await nextTurn();
    expect(acks.size).toBe(sessions.length);
    for (let turn = 0; turn < 3; turn++) await nextTurn();
    await microtasks();
    burst(conns, 512);
    const total = () => [...handled.values()].reduce((n, list) => n + list.length, 0);
    await microtasks(total);
    const firstTurn = total();
    expect(firstTurn).toBeGreaterThan(0);
    expect(firstTurn).toBeLessThanOrEqual(1_024);
    for (let turn = 0; turn < 50 && total() < 8 * 512; turn++) {
      await nextTurn();
      await microtasks(total);
    }
    const all = Array.from({ length: 512 }, (_, i) => i + 1);
    for (const session of sessions) expect(handled.get(session)).toEqual(all);
    // the last of them is acknowledged once the frames stopped for a moment (delivery.ts)
    await vi.waitFor(() => expect(sessions.map((s) => acks.get(s))).toEqual(sessions.map(() => 512)));
    conns.forEach((conn) => conn.end());
    await lifeline.close();
  });

  it("once the budget ran out, the loop goes round (timers, I/O) before more is handled: at most one budget in the turn of the burst and none in the next turn's first immediates", async () => {
    let count = 0;
    const lifeline = createLifelineServer({ store: memoryStore(), onMessage: () => void count++ });
    const conns = Array.from({ length: 8 }, (_, i) => {
      const conn = lifeline.connect({ send: () => {}, close: () => {} });
      conn.receive(JSON.stringify({ t: "hello", session: `timer-${i}`, ack: 0 }));
      return conn;
    });
    // the hellos handled and the budget's own turns settled, so the burst starts a turn of its own
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    await microtasks();
    // the burst arrives in a timer callback, as frames read from sockets do: before the turn's immediates.
    // Read in the next turn's immediates, before the server's own: the loop went round once (timers, I/O)
    const atNextTurn = await new Promise<number>((resolve) =>
      setTimeout(() => {
        setImmediate(() => setImmediate(() => resolve(count)));
        burst(conns, 512);
      }, 0),
    );
    expect(atNextTurn).toBeGreaterThan(0);
    expect(atNextTurn).toBeLessThanOrEqual(1_024);
    for (let turn = 0; turn < 100 && count < 8 * 512; turn++) await nextTurn();
    expect(count).toBe(8 * 512);
    conns.forEach((conn) => conn.end());
    await lifeline.close();
  });
});
