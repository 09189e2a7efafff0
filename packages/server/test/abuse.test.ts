// Bounds against abuse, with memory measured (heap after GC, in this
// process, where the server runs): one user making 10,000 sessions, a reader
// that stops reading while 20 MiB are sent to it, a flood of invalid frames.
// Other users are served throughout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createLifelineServer, memoryStore } from "../src/index.js";
import type { LifelineServer, MemoryStore } from "../src/index.js";
import { settledHeap } from "./heap/per-call.js";
import { ackOf, msgOf, rawClient, roundTrip, startLifeline } from "./helpers.js";
import type { Harness, RawClient } from "./helpers.js";

const MiB = 1_048_576;
let started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const h of started) await h.close();
  started = [];
});

async function hello(h: Harness, user: string, session: string): Promise<RawClient> {
  const c = await rawClient(`${h.url}/?user=${user}`);
  c.send({ t: "hello", session, ack: 0 });
  await c.next(ackOf(0));
  return c;
}

/** Polls `probe` every 10 ms until true; bounded. */
async function until(probe: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > ms) throw new Error(`still false after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("bounds against abuse", () => {
  it("10,000 hellos with fresh ids from one user: at most sessionsPerUser kept, memory back to baseline, other users unaffected", { timeout: 60_000 }, async () => {
    const store = memoryStore({ sessionTtl: 300 });
    const h = await startLifeline({ store });
    started.push(h);
    const bob = await hello(h, "bob", "bob-1");
    const connectOnce = async (session: string) => {
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      const conn = h.lifeline.connect({ send: () => answered(), close: () => answered() }, { user: "mallory" });
      conn.receive(JSON.stringify({ t: "hello", session, ack: 0 }));
      await answer;
      conn.end();
    };
    for (let i = 0; i < 200; i++) await connectOnce(`warm-${i}`);
    await until(() => store.size === 1);
    const baseline = await settledHeap();
    let most = 0;
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => connectOnce(`m-${batch}-${i}`)));
      most = Math.max(most, (await h.lifeline.sessionsOf("mallory")).length);
    }
    expect(most).toBe(16);
    // bob was never touched: served, not evicted
    await h.lifeline.send("bob-1", "still here");
    await bob.next(msgOf(1));
    expect(bob.of("reset")).toEqual([]);
    // every session of mallory's (and the tombstones of the evicted ones) expires; nothing else remains
    await until(() => store.size === 1);
    expect(h.lifeline.stats()).toMatchObject({ connections: 1, sessions: 1 });
    const after = await settledHeap();
    expect(after - baseline).toBeLessThan(1 * MiB);
    await bob.close();
  });

  it("a reader that stops reading while 20 MiB are sent: the server's socket buffer stays bounded, everything arrives once it reads again", { timeout: 60_000 }, async () => {
    const bufferedBytes = MiB;
    const lifeline = createLifelineServer({ limits: { bufferedBytes }, store: memoryStore({ replay: { max: 1_000 } }), onError: () => {} });
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    let most = 0;
    let written = 0;
    wss.on("connection", (ws) => {
      // the adapter writes through ws.send: watch what the socket holds after every write
      const send = ws.send.bind(ws);
      ws.send = ((data: string) => {
        send(data);
        written++;
        most = Math.max(most, ws.bufferedAmount);
      }) as typeof ws.send;
      lifeline.accept(ws, { user: "slow" });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    started.push({
      close: async () => {
        await lifeline.close();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      },
    });
    const reader = await rawClient(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    reader.send({ t: "hello", session: "slow-1", ack: 0 });
    await reader.next(ackOf(0));
    reader.ws.pause();

    const chunk = "x".repeat(50 * 1024);
    const messages = 410; // 20.0 MiB
    for (let n = 1; n <= messages; n++) expect(await lifeline.send("slow-1", { n, chunk })).toEqual({ ok: true, seq: n });
    // the store has them all; the socket was not handed more than its bound (plus the frame that crossed it)
    expect(await lifeline.store.inspect("slow-1")).toMatchObject({ sent: messages, buffered: messages });
    expect(written).toBeLessThan(messages);
    expect(most).toBeLessThanOrEqual(bufferedBytes + chunk.length + 100);

    reader.ws.resume();
    await reader.next(msgOf(messages), 0, 30_000);
    const seqs = reader.of("msg").map((f) => f.seq);
    expect(seqs).toEqual(Array.from({ length: messages }, (_, i) => i + 1));
    reader.send({ t: "ack", seq: messages });
    await roundTrip(reader);
    expect(await lifeline.store.inspect("slow-1")).toMatchObject({ acked: messages, buffered: 0 });
    await reader.close();
  });

  it("a flood of invalid frames from 200 connections: each closed with its code, memory back to baseline, another user served throughout", { timeout: 60_000 }, async () => {
    const h = await startLifeline();
    started.push(h);
    const alice = await hello(h, "alice", "alice-1");
    const garbage = ["not json", "{}", '{"t":"msg","seq":1}', '{"t":"hello"}', '{"t":"hello","session":"","ack":0}', "[1,2]", '{"t":"nope"}', "x".repeat(MiB + 1)];
    const flood = async (round: number) => {
      const codes: number[] = [];
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const ws = new WebSocket(`${h.url}/?user=u${i}`);
          ws.on("error", () => {});
          const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
          await new Promise<void>((resolve) => ws.on("open", () => resolve()));
          const which = (round + i) % (garbage.length + 1);
          // many frames at once: the first bad one ends the connection, the rest are ignored
          const frame = which === garbage.length ? Buffer.from([1, 2, 3]) : (garbage[which] as string);
          for (let k = 0; k < (frame.length > MiB ? 1 : 50); k++) ws.send(frame);
          codes.push(await closed);
        }),
      );
      return codes;
    };
    await flood(0); // warm-up
    await until(() => h.lifeline.stats().connections === 1);
    const baseline = await settledHeap();
    let served = 0;
    const codes = (await Promise.all([flood(1), flood(2)])).flat();
    // alice is served in the meantime and after
    for (let n = 1; n <= 5; n++) {
      alice.send({ t: "msg", seq: n, data: n });
      await alice.next(ackOf(n));
      served++;
    }
    expect(served).toBe(5);
    expect(new Set(codes)).toEqual(new Set([4400, 1003, 1009]));
    await until(() => h.lifeline.stats().connections === 1);
    expect(h.lifeline.stats()).toMatchObject({ connections: 1, sessions: 1 });
    const after = await settledHeap();
    expect(after - baseline).toBeLessThan(1 * MiB);
    await alice.close();
  });
});
