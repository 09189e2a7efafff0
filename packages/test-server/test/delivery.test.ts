import { afterEach, describe, expect, it, vi } from "vitest";
import { createDelivery, startServer } from "../src/index.js";
import type { TestServer } from "../src/index.js";

// A client speaking the envelope protocol by hand, so the server side is
// checked against docs/protocol.md rather than against lifeline's client.
async function connect(url: string) {
  const ws = new WebSocket(url);
  const frames: unknown[] = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  const until = async (predicate: (frames: unknown[]) => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!predicate(frames)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const send = (frame: unknown) => ws.send(JSON.stringify(frame));
  return { ws, frames, until, send };
}

const lastAck = (frames: unknown[]) =>
  (frames.filter((f) => (f as { t: string }).t === "ack").at(-1) as { seq: number } | undefined)?.seq;

describe("acknowledged delivery", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("acks cumulatively, echoes the data, and records each message once", async () => {
    server = await startServer({ delivery: "at-least-once" });
    const c = await connect(server.url);
    c.send({ t: "hello", session: "s1", ack: 0 });
    c.send({ t: "msg", seq: 1, data: { n: 1 } });
    c.send({ t: "msg", seq: 2, data: { n: 2 } });
    await c.until((f) => lastAck(f) === 2);
    // protocol v2: the echoes are numbered server messages
    await c.until((f) => f.some((x) => (x as { seq?: number; t: string }).t === "msg" && (x as { seq: number }).seq === 2));
    expect(c.frames).toContainEqual({ t: "msg", seq: 1, data: { n: 1 } });
    expect(c.frames).toContainEqual({ t: "msg", seq: 2, data: { n: 2 } });
    expect(server.delivery!.delivered.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }]);
    c.ws.close();
  });

  it("drops resent duplicates after a reconnect and acks what it has on hello", async () => {
    server = await startServer({ delivery: "at-least-once" });
    const a = await connect(server.url);
    a.send({ t: "hello", session: "s2", ack: 0 });
    a.send({ t: "msg", seq: 1, data: "one" });
    await a.until((f) => lastAck(f) === 1);
    a.ws.close();

    const b = await connect(server.url);
    b.send({ t: "hello", session: "s2", ack: 0 });
    await b.until((f) => lastAck(f) === 1);
    b.send({ t: "msg", seq: 1, data: "one" });
    b.send({ t: "msg", seq: 2, data: "two" });
    await b.until((f) => lastAck(f) === 2);
    expect(server.delivery!.delivered.map((m) => m.data)).toEqual(["one", "two"]);
    expect(server.delivery!.duplicates).toBe(1);
    expect(server.state()).toMatchObject({ delivered: 2, duplicates: 1 });
    b.ws.close();
  });

  it("answers a request with re, and lets plain frames through to the echo", async () => {
    server = await startServer({ delivery: "at-least-once" });
    const c = await connect(server.url);
    c.send({ t: "hello", session: "s3", ack: 0 });
    c.send({ t: "req", seq: 1, id: "r1", data: { q: 1 } });
    await c.until((f) => f.some((x) => (x as { re?: string }).re === "r1"));
    expect(c.frames).toContainEqual({ t: "msg", seq: 1, re: "r1", data: { q: 1 } });
    c.ws.send(JSON.stringify({ plain: true }));
    await c.until((f) => f.some((x) => (x as { plain?: boolean }).plain === true));
    c.ws.close();
  });

  it("works as a standalone helper with any sender", async () => {
    const sent: string[] = [];
    const closes: Array<[number, string]> = [];
    const seen: unknown[] = [];
    const delivery = createDelivery({ onMessage: (m) => seen.push(m.data) });
    const conn = delivery.connection(
      (text) => sent.push(text),
      (code, reason) => closes.push([code, reason]),
    );
    expect(conn.handle("not json")).toBe(false);
    expect(conn.handle(JSON.stringify({ t: "msg", seq: 1, data: 1 }))).toBe(false); // no hello yet
    expect(conn.handle(JSON.stringify({ t: "hello", session: "x", ack: 0 }))).toBe(true);
    expect(conn.handle(JSON.stringify({ t: "msg", seq: 1, data: 1 }))).toBe(true);
    expect(conn.handle(JSON.stringify({ t: "msg", seq: 2, data: 2 }))).toBe(true);
    expect(conn.handle(JSON.stringify({ t: "msg", seq: 1, data: 1 }))).toBe(true); // a duplicate
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 2]);
    expect(conn.session).toBe("x");
    expect(delivery.duplicates).toBe(1);
    // acknowledged once the frames stopped for a moment (@lifeline/server batches acks)
    await vi.waitFor(() =>
      expect(sent.map((s) => JSON.parse(s))).toEqual([
        { t: "ack", seq: 0 },
        { t: "ack", seq: 2 },
      ]),
    );
    // protocol v2: numbers only have to grow (a new leader tab skips ahead); a lower one later is a duplicate
    expect(conn.handle(JSON.stringify({ t: "msg", seq: 4, data: 4 }))).toBe(true);
    expect(conn.handle(JSON.stringify({ t: "msg", seq: 3, data: 3 }))).toBe(true);
    await vi.waitFor(() => expect(JSON.parse(sent.at(-1)!)).toEqual({ t: "ack", seq: 4 }));
    expect(seen).toEqual([1, 2, 4]);
    expect(delivery.duplicates).toBe(2);
    expect(closes).toEqual([]);
    conn.close();
  });

  it("sends server → client messages by session and replays them after a reconnect", async () => {
    server = await startServer({ delivery: "at-least-once", onMessage: () => true });
    const a = await connect(server.url);
    a.send({ t: "hello", session: "push", ack: 0 });
    await a.until((f) => lastAck(f) === 0);
    expect(await server.delivery!.server.send("push", "first")).toEqual({ ok: true, seq: 1 });
    await a.until((f) => f.some((x) => (x as { seq?: number }).seq === 1));
    a.ws.close();
    await server.waitForClients(0);
    expect(await server.delivery!.server.send("push", "second")).toEqual({ ok: true, seq: 2 });
    const b = await connect(server.url);
    b.send({ t: "hello", session: "push", ack: 1 });
    await b.until((f) => f.some((x) => (x as { seq?: number; t: string }).t === "msg"));
    expect(b.frames).toEqual([
      { t: "ack", seq: 0 },
      { t: "msg", seq: 2, data: "second" },
    ]);
    b.ws.close();
  });

  it("a forgotten store (reset()) announces reset to a returning client", async () => {
    server = await startServer({ delivery: "at-least-once" });
    const a = await connect(server.url);
    a.send({ t: "hello", session: "amnesia", ack: 0 });
    a.send({ t: "msg", seq: 1, data: 1 });
    await a.until((f) => lastAck(f) === 1);
    a.ws.close();
    server.delivery!.reset();
    expect(server.delivery!.delivered).toEqual([]);
    const b = await connect(server.url);
    b.send({ t: "hello", session: "amnesia", ack: 1 });
    await b.until((f) => f.some((x) => (x as { t: string }).t === "reset"));
    expect(b.frames).toEqual([{ t: "reset", reason: "unknown-session" }]);
    b.ws.close();
  });
});
