// The server object: shed() with retryAfter, close(), options, the
// runtime-neutral connect(), and bounded memory: sessions expire sessionTtl
// after their last connection, whatever the number of sessions ever seen.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLifelineServer, memoryStore } from "../src/index.js";
import type { Transport } from "../src/index.js";
import { ackOf, rawClient, startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

/** A transport that records what the core writes. */
function recorder() {
  const sent: string[] = [];
  const closes: Array<[number, string]> = [];
  const transport: Transport = { send: (text) => void sent.push(text), close: (code, reason) => void closes.push([code, reason]) };
  return { sent, closes, transport };
}

/** Lets the core's promise chains run (the memory store never waits on a timer; past a budget of frames per turn, the chains wait for the next turn: setImmediate, not faked here). */
const settle = async () => {
  for (let i = 0; i < 100; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
  for (let i = 0; i < 100; i++) await Promise.resolve();
};

describe("createLifelineServer", () => {
  it("shed(n, ms) closes n connections with 1013 and {retryAfter}", async () => {
    h = await startLifeline();
    const clients = await Promise.all([1, 2, 3].map(() => rawClient(h!.url)));
    clients.forEach((c, i) => c.send({ t: "hello", session: `shed-${i}`, ack: 0 }));
    await Promise.all(clients.map((c) => c.next(ackOf(0))));
    expect(h.lifeline.shed(2, 5_000)).toBe(2);
    const closes = await Promise.all(clients.slice(0, 2).map((c) => c.closed));
    for (const close of closes) {
      expect(close.code).toBe(1013);
      expect(JSON.parse(close.reason)).toEqual({ retryAfter: 5_000 });
    }
    expect(clients[2]!.ws.readyState).toBe(clients[2]!.ws.OPEN);
    expect(h.lifeline.stats().connections).toBe(1);
    expect(() => h!.lifeline.shed(-1, 10)).toThrow(RangeError);
    expect(() => h!.lifeline.shed(1, Number.NaN)).toThrow(RangeError);
    await clients[2]!.close();
  });

  it("close() closes every connection with 1001, waits for handlers, detaches sessions; send() then says closed", async () => {
    let finished = false;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const store = memoryStore();
    h = await startLifeline({
      store,
      onMessage: async () => {
        entered();
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished = true;
      },
    });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "bye", ack: 0 });
    await c.next(ackOf(0));
    c.send({ t: "msg", seq: 1, data: 1 });
    await inside;
    await h.lifeline.close();
    expect(finished).toBe(true);
    expect(await c.closed).toEqual({ code: 1001, reason: "server closing" });
    // a store passed in is not closed: the handled message is recorded and the session waits for its client
    expect(await store.inspect("bye")).toMatchObject({ attached: false, inbound: 1 });
    expect(await h.lifeline.send("bye", 1)).toEqual({ ok: false, reason: "closed" });
    await store.close();
  });

  it("batches acks: one per 64 while frames keep coming, and one for the rest once they stop", async () => {
    const lifeline = createLifelineServer();
    const { sent, transport } = recorder();
    const conn = lifeline.connect(transport);
    conn.receive(JSON.stringify({ t: "hello", session: "batch", ack: 0 }));
    for (let seq = 1; seq <= 10; seq++) conn.receive(JSON.stringify({ t: "msg", seq, data: seq }));
    await vi.waitFor(() => expect(sent.at(-1)).toBe('{"t":"ack","seq":10}'));
    // an ack also goes out where a turn's time budget cut the burst (a busy machine): then the every-64 count starts over
    const acks = () => sent.map((text) => (JSON.parse(text) as { seq: number }).seq);
    expect(acks()[0]).toBe(0);
    expect(acks().length).toBeLessThanOrEqual(3);
    sent.length = 0;
    for (let seq = 11; seq <= 200; seq++) conn.receive(JSON.stringify({ t: "msg", seq, data: seq }));
    await vi.waitFor(() => expect(sent.at(-1)).toBe('{"t":"ack","seq":200}'));
    const seqs = acks();
    // quiet machine: 74, 138, 200
    expect(seqs.length).toBeGreaterThanOrEqual(3);
    expect(seqs.length).toBeLessThanOrEqual(6);
    seqs.forEach((seq, i) => expect(seq - (i === 0 ? 10 : (seqs[i - 1] as number))).toBeGreaterThan(0));
    seqs.forEach((seq, i) => expect(seq - (i === 0 ? 10 : (seqs[i - 1] as number))).toBeLessThanOrEqual(64));
    await lifeline.close();
  });

  for (const perRead of [8, 50]) {
    it(`a client streaming ${perRead} frames per socket read hears an ack per 64 messages at most 64 apart, and the last one once its frames stop`, async () => {
      const lifeline = createLifelineServer();
      const { sent, transport } = recorder();
      const conn = lifeline.connect(transport);
      conn.receive(JSON.stringify({ t: "hello", session: "stream", ack: 0 }));
      await vi.waitFor(() => expect(sent).toEqual(['{"t":"ack","seq":0}']));
      sent.length = 0;
      // reads of `perRead` frames, each in a turn of its own: the inbox runs dry after every one
      for (let seq = 1; seq <= 800; seq++) {
        conn.receive(JSON.stringify({ t: "msg", seq, data: seq }));
        if (seq % perRead === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await vi.waitFor(() => expect(sent.at(-1)).toBe('{"t":"ack","seq":800}'));
      const seqs = sent.map((text) => (JSON.parse(text) as { seq: number }).seq);
      // one per dry inbox would be 100 for reads of 8; a machine slow enough to leave 20 ms between two reads adds one each time
      expect(seqs.length).toBeLessThanOrEqual(16);
      // never more than 64 apart (with reads of 50, acking only at a dry inbox would leave 100): the client's window keeps moving
      seqs.forEach((seq, i) => expect(seq - (i === 0 ? 0 : (seqs[i - 1] as number))).toBeGreaterThan(0));
      seqs.forEach((seq, i) => expect(seq - (i === 0 ? 0 : (seqs[i - 1] as number))).toBeLessThanOrEqual(64));
      await lifeline.close();
    });
  }

  it("connect() with foreign: the embedder hears of a frame that is not lifeline's within receive(), and the connection stays open", async () => {
    const lifeline = createLifelineServer();
    const { sent, closes, transport } = recorder();
    const taken: string[] = [];
    const conn = lifeline.connect(transport, {
      foreign: (text, problem) => {
        taken.push(`${problem}: ${text}`);
        return true;
      },
    });
    conn.receive("plain text");
    expect(taken).toEqual(["not JSON: plain text"]);
    conn.receive(JSON.stringify({ t: "msg", seq: 1, data: 1 }));
    expect(taken).toHaveLength(2);
    expect(taken[1]).toMatch(/^hello expected: /);
    conn.receive(JSON.stringify({ t: "hello", session: "f", ack: 0 }));
    conn.receive(JSON.stringify({ t: "msg", seq: 1, data: 1 }));
    expect(taken).toHaveLength(2);
    await vi.waitFor(() => expect(sent.at(-1)).toBe('{"t":"ack","seq":1}'));
    expect(closes).toEqual([]);
    await lifeline.close();
  });

  it("validates its options, naming the bad one", () => {
    expect(() => createLifelineServer({ maxPayload: 0 })).toThrow("maxPayload must be a positive integer of bytes, got 0");
    expect(() => createLifelineServer({ onMessage: 5 as never })).toThrow("onMessage must be a function, got number");
    expect(() => createLifelineServer({ store: {} as never })).toThrow("store must implement Store: subscribe() is missing");
    expect(() => createLifelineServer({ node: "" })).toThrow("node must be a non-empty string");
  });

  it("reports a failing store to onError and closes with 1011", async () => {
    const errors: unknown[] = [];
    const store = memoryStore();
    store.attach = () => Promise.reject(new Error("store offline"));
    const lifeline = createLifelineServer({ store, onError: (error, context) => void errors.push([context.source, (error as Error).message]) });
    const { closes, transport } = recorder();
    lifeline.connect(transport).receive(JSON.stringify({ t: "hello", session: "s", ack: 0 }));
    await vi.waitFor(() => expect(closes).toEqual([[1011, "store failed"]]));
    expect(errors).toEqual([["store", "store offline"]]);
    await lifeline.close();
    await store.close();
  });

  it("a store failing at detach is reported, and the server still lets go of the connection", async () => {
    const errors: string[] = [];
    const store = memoryStore();
    store.detach = () => Promise.reject(new Error("detach failed"));
    const lifeline = createLifelineServer({ store, onError: (error) => void errors.push((error as Error).message) });
    const { sent, transport } = recorder();
    const conn = lifeline.connect(transport);
    conn.receive(JSON.stringify({ t: "hello", session: "s", ack: 0 }));
    await vi.waitFor(() => expect(sent).toEqual(['{"t":"ack","seq":0}']));
    expect(lifeline.stats()).toMatchObject({ connections: 1, sessions: 1 });
    conn.end();
    await vi.waitFor(() => expect(errors).toEqual(["detach failed"]));
    expect(lifeline.stats()).toMatchObject({ connections: 0, sessions: 0 });
    await lifeline.close();
    await store.close();
  });

  it("the default onError writes to console.error", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const lifeline = createLifelineServer({
      onMessage: () => {
        throw new Error("boom");
      },
    });
    const { closes, transport } = recorder();
    const conn = lifeline.connect(transport);
    conn.receive(JSON.stringify({ t: "hello", session: "s", ack: 0 }));
    conn.receive(JSON.stringify({ t: "msg", seq: 1, data: 1 }));
    await vi.waitFor(() => expect(closes).toEqual([[1011, "onMessage failed"]]));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(String(spy.mock.calls[0]![0])).toContain("onMessage failed");
    spy.mockRestore();
    await lifeline.close();
  });

  it("the store's expiry timer does not keep the process alive", async () => {
    const handles: Array<{ hasRef(): boolean }> = [];
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms: number) => {
      const handle = real(fn, ms);
      handles.push(handle);
      return handle;
    }) as typeof setTimeout);
    const store = memoryStore({ sessionTtl: 60_000 });
    const r = (await store.attach("s", "n", true)) as { fence: number };
    await store.detach("s", r.fence);
    spy.mockRestore();
    expect(handles).toHaveLength(1);
    expect(handles[0]!.hasRef()).toBe(false);
    await store.close();
  });
});

describe("bounded", () => {
  it("sessions expire sessionTtl after their last connection ended, through the server", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const store = memoryStore({ sessionTtl: 10_000 });
    const lifeline = createLifelineServer({ store });
    const { sent, transport } = recorder();
    const conn = lifeline.connect(transport);
    conn.receive(JSON.stringify({ t: "hello", session: "ttl", ack: 0 }));
    conn.receive(JSON.stringify({ t: "msg", seq: 1, data: 1 }));
    // a lone message is acknowledged once the client's frames stopped for a moment (delivery.ts, real timers)
    await vi.waitFor(() => expect(sent).toContain('{"t":"ack","seq":1}'));
    vi.advanceTimersByTime(60_000);
    expect(store.size).toBe(1); // connected: never expires
    conn.end();
    await settle();
    vi.advanceTimersByTime(9_999);
    expect(await store.inspect("ttl")).toMatchObject({ attached: false, inbound: 1 });
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);

    // back after expiry: with R = 0 it is a new session (nothing is known of it)
    const again = recorder();
    lifeline.connect(again.transport).receive(JSON.stringify({ t: "hello", session: "ttl", ack: 0 }));
    await settle();
    expect(again.sent).toEqual(['{"t":"ack","seq":0}']);
    await lifeline.close();
    await store.close();
  });

  it("opening and abandoning 2,000 sessions leaves nothing behind after sessionTtl", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const store = memoryStore({ sessionTtl: 1_000 });
    const lifeline = createLifelineServer({ store });
    for (let i = 0; i < 2_000; i++) {
      const { transport } = recorder();
      const conn = lifeline.connect(transport);
      conn.receive(JSON.stringify({ t: "hello", session: `abandoned-${i}`, ack: 0 }));
      conn.receive(JSON.stringify({ t: "msg", seq: 1, data: i }));
      await settle();
      await lifeline.send(`abandoned-${i}`, { i });
      conn.end();
    }
    await settle();
    expect(store.size).toBe(2_000);
    expect(lifeline.stats()).toMatchObject({ connections: 0, sessions: 0, delivered: 2_000 });
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await lifeline.close();
  });
});
