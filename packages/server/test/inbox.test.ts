// A connection's inbox when the turn budget runs out (inbox.ts): before it
// waits for a later turn it stores the mark of what it handled and stops
// reading its socket; once it ran dry it reads again. Nothing is lost,
// reordered or handled twice on the way.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, vi } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createLifelineServer, memoryStore } from "../src/index.js";
import { burst, connectSessions, nextTurn } from "./bursts.js";


describe("the inbox when the turn's budget runs out", () => {
  it("frames of 8 connections received at once: at the end of every turn each handled message's mark is stored; a transport with many frames waiting is paused, and resumed once drained", async () => {
    const store = memoryStore();
    // the mark each session's store has, as the connection's record calls left it
    const recorded = new Map<string, number>();
    const record = store.record.bind(store);
    store.record = async (session, fence, seq) => {
      const result = await record(session, fence, seq);
      if (result === "ok") recorded.set(session, Math.max(recorded.get(session) ?? 0, seq));
      return result;
    };
    const handled = new Map<string, number[]>();
    const lifeline = createLifelineServer({ store, onMessage: ({ session }, data) => void handled.get(session)?.push(data as number) });
    const sessions = Array.from({ length: 8 }, (_, i) => `flood-${i}`);
    const paused = new Map<string, number>();
    const resumed = new Map<string, number>();
    const { conns, acks } = connectSessions(lifeline, sessions, handled, (session) => ({
      pause: () => void paused.set(session, (paused.get(session) ?? 0) + 1),
      resume: () => void resumed.set(session, (resumed.get(session) ?? 0) + 1),
    }));
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    burst(conns, 1_000);
    let turns = 0;
    const behind: string[] = [];
    const handledAll = () => sessions.every((s) => handled.get(s)?.length === 1_000);
    for (; turns < 200 && !handledAll(); turns++) {
      await nextTurn();
      // between turns no microtask runs: every inbox either waits for a turn or ran dry, with its mark stored
      for (const s of sessions) {
        const count = handled.get(s)?.length ?? 0;
        if ((recorded.get(s) ?? 0) !== count) behind.push(`${s} turn ${turns}: handled ${count}, recorded ${recorded.get(s) ?? 0}`);
      }
    }
    expect(behind).toEqual([]);
    // the budget did cut the burst into turns
    expect(turns).toBeGreaterThan(3);
    // the last of them is acknowledged once the frames stopped for a moment (delivery.ts)
    await vi.waitFor(() => expect(sessions.map((s) => acks.get(s))).toEqual(sessions.map(() => 1_000)));
    const all = Array.from({ length: 1_000 }, (_, i) => i + 1);
    for (const s of sessions) {
      expect(handled.get(s)).toEqual(all);
      expect(acks.get(s)).toBe(1_000);
      // a paused connection reads again once its inbox ran dry
      if ((paused.get(s) ?? 0) > 0) expect(resumed.get(s)).toBeGreaterThanOrEqual(1);
    }
    // the connections whose frames waited for a later turn with more than 512 queued stopped reading
    expect([...paused.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    conns.forEach((conn) => conn.end());
    await lifeline.close();
  });

  it("a client that floods a ws server with 20,000 messages without waiting for acks: its socket is paused and resumed, every message handled once and in order, all acknowledged", async () => {
    const got: number[] = [];
    const lifeline = createLifelineServer({ store: memoryStore({ replay: { max: 100 } }), onMessage: (_context, data) => void got.push(data as number) });
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    let pauses = 0;
    let resumes = 0;
    wss.on("connection", (ws) => {
      const pause = ws.pause.bind(ws);
      const resume = ws.resume.bind(ws);
      ws.pause = () => void (pauses++, pause());
      ws.resume = () => void (resumes++, resume());
      lifeline.accept(ws);
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const N = 20_000;
    let acked = -1;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`acknowledged up to ${acked} of ${N}`)), 20_000);
      client.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { t: string; seq: number };
        if (frame.t !== "ack") return;
        acked = frame.seq;
        if (acked === 0) for (let seq = 1; seq <= N; seq++) client.send(`{"t":"msg","seq":${seq},"data":${seq}}`);
        if (acked === N) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    client.on("open", () => client.send(JSON.stringify({ t: "hello", session: "flooder", ack: 0 })));
    await done;
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(pauses).toBeGreaterThan(0);
    expect(resumes).toBeGreaterThanOrEqual(1);
    // the connection reads again: a message after the flood is handled and acknowledged
    const after = new Promise<void>((resolve) => client.on("message", (data) => String(data).includes(`"seq":${N + 1}`) && resolve()));
    client.send(`{"t":"msg","seq":${N + 1},"data":${N + 1}}`);
    await after;
    expect(got.at(-1)).toBe(N + 1);
    client.close();
    await lifeline.close();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
});
