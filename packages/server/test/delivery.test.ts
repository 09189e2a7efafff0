// Protocol v2 in both directions against a real server: hello/ack,
// de-duplication, async handlers, replay above R, acks trimming the buffer.
import { describe, expect, it } from "vitest";
import type { MessageContext } from "../src/index.js";
import { ackOf, lifelinePerTest, msgOf, rawClient, roundTrip } from "./helpers.js";

const start = lifelinePerTest();

describe("client → server", () => {
  it("answers hello with ack 0, hands each message over once and in order, acks cumulatively", async () => {
    const seen: Array<[string, number, unknown]> = [];
    const h = await start({ onMessage: ({ session, seq }, data) => void seen.push([session, seq, data]) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "s1", ack: 0 });
    await c.next(ackOf(0));
    for (let n = 1; n <= 5; n++) c.send({ t: "msg", seq: n, data: { n } });
    await c.next(ackOf(5));
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => ["s1", n, { n }]));
    // acks only grow, and the first one answered the hello
    const acks = c.of("ack").map((f) => f.seq as number);
    expect(acks[0]).toBe(0);
    expect(acks).toEqual([...acks].sort((a, b) => a - b));
    await c.close();
  });

  it("after a reconnect: acks what it has on hello and drops the resent duplicates", async () => {
    const seen: number[] = [];
    const h = await start({ onMessage: ({ seq }) => void seen.push(seq) });
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "s2", ack: 0 });
    a.send({ t: "msg", seq: 1, data: "one" });
    a.send({ t: "msg", seq: 2, data: "two" });
    await a.next(ackOf(2));
    await a.close();

    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "s2", ack: 0 });
    expect((await b.next((f) => typeof f === "object" && f.t === "ack")).seq).toBe(2);
    for (const seq of [1, 2, 3]) b.send({ t: "msg", seq, data: seq });
    await b.next(ackOf(3));
    expect(seen).toEqual([1, 2, 3]);
    expect(h.lifeline.stats()).toMatchObject({ delivered: 3, duplicates: 2 });
    await b.close();
  });

  it("acks a message only after an async onMessage settled", async () => {
    const settle: Array<() => void> = [];
    let called!: () => void;
    const handlerRan = new Promise<void>((resolve) => (called = resolve));
    const h = await start({
      onMessage: () =>
        new Promise<void>((resolve) => {
          settle.push(resolve);
          called();
        }),
    });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "slow", ack: 0 });
    await c.next(ackOf(0));
    c.send({ t: "msg", seq: 1, data: 1 });
    await handlerRan;
    await roundTrip(c);
    expect(c.of("ack").map((f) => f.seq)).toEqual([0]);
    expect((await h.lifeline.store.inspect("slow"))?.inbound).toBe(0);
    settle[0]!();
    await c.next(ackOf(1));
    expect((await h.lifeline.store.inspect("slow"))?.inbound).toBe(1);
    await c.close();
  });

  it("keeps a session's messages in order even when handlers take different times", async () => {
    const order: number[] = [];
    const h = await start({
      onMessage: async ({ seq }) => {
        // earlier messages take longer: a concurrent server would finish them last
        await new Promise((resolve) => setTimeout(resolve, 10 - seq));
        order.push(seq);
      },
    });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "ordered", ack: 0 });
    for (let seq = 1; seq <= 8; seq++) c.send({ t: "msg", seq, data: seq });
    await c.next(ackOf(8));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await c.close();
  });

  it("a handler that throws: nothing acked, 1011, the message is handed over again after a reconnect", async () => {
    const errors: unknown[] = [];
    let fail = true;
    const seen: number[] = [];
    const h = await start({
      onMessage: ({ seq }) => {
        seen.push(seq);
        if (fail) throw new Error("database down");
      },
      onError: (error, context) => errors.push([context, (error as Error).message]),
    });
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "flaky", ack: 0 });
    a.send({ t: "msg", seq: 1, data: 1 });
    expect(await a.closed).toEqual({ code: 1011, reason: "onMessage failed" });
    expect(a.of("ack").map((f) => f.seq)).toEqual([0]);
    expect(errors).toEqual([[{ source: "onMessage", session: "flaky", seq: 1 }, "database down"]]);
    fail = false;
    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "flaky", ack: 0 });
    await b.next(ackOf(0));
    b.send({ t: "msg", seq: 1, data: 1 });
    await b.next(ackOf(1));
    expect(seen).toEqual([1, 1]);
    await b.close();
  });

  it("answers a request through reply() with re, as a stored server message", async () => {
    const h = await start({
      onMessage: async (ctx: MessageContext, data) => {
        if (ctx.id !== undefined) await ctx.reply({ echo: data });
      },
    });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "req", ack: 0 });
    c.send({ t: "req", seq: 1, id: "r1", data: { q: 1 } });
    expect(await c.next(msgOf(1))).toEqual({ t: "msg", seq: 1, re: "r1", data: { echo: { q: 1 } } });
    await c.close();
  });
});

describe("server → client", () => {
  it("sends with seq while connected; replays everything above R after hello, before anything newer", async () => {
    const h = await start();
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "s", ack: 0 });
    await a.next(ackOf(0));
    for (let n = 1; n <= 3; n++) expect(await h.lifeline.send("s", { n })).toEqual({ ok: true, seq: n });
    await a.next(msgOf(3));
    expect(a.of("msg")).toEqual([1, 2, 3].map((n) => ({ t: "msg", seq: n, data: { n } })));
    a.send({ t: "ack", seq: 1 });
    await roundTrip(a);
    expect(await h.lifeline.store.inspect("s")).toMatchObject({ acked: 1, buffered: 2 });
    await a.close();

    // away: stored for later
    for (let n = 4; n <= 5; n++) expect(await h.lifeline.send("s", { n })).toEqual({ ok: true, seq: n });
    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "s", ack: 2 });
    const sendingMeanwhile = h.lifeline.send("s", { n: 6 });
    await b.next(msgOf(6));
    await sendingMeanwhile;
    const frames = b.frames.filter((f) => typeof f === "object");
    expect(frames[0]).toEqual({ t: "ack", seq: 0 });
    expect(b.of("msg").map((f) => f.seq)).toEqual([3, 4, 5, 6]);
    // hello's R acknowledged up to 2
    expect(await h.lifeline.store.inspect("s")).toMatchObject({ acked: 2, sent: 6 });
    b.send({ t: "ack", seq: 6 });
    await roundTrip(b);
    expect(await h.lifeline.store.inspect("s")).toMatchObject({ acked: 6, buffered: 0 });
    await b.close();
  });

  it("send() to a session nobody opened answers unknown-session", async () => {
    const h = await start();
    expect(await h.lifeline.send("nobody", 1)).toEqual({ ok: false, reason: "unknown-session" });
    await expect(h.lifeline.send("x", undefined)).rejects.toThrow(TypeError);
  });

  it("streams both ways at once without loss or duplicates", async () => {
    const got: number[] = [];
    const h = await start({ onMessage: (_ctx, data) => void got.push(data as number) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "both", ack: 0 });
    await c.next(ackOf(0));
    const total = 300;
    const sends: Array<Promise<unknown>> = [];
    for (let n = 1; n <= total; n++) {
      c.send({ t: "msg", seq: n, data: n });
      sends.push(h.lifeline.send("both", n));
      if (n % 50 === 0) c.send({ t: "ack", seq: c.of("msg").at(-1)?.seq ?? 0 });
    }
    await Promise.all(sends);
    await c.next(ackOf(total));
    await c.next(msgOf(total));
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(c.of("msg").map((f) => f.data)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await c.close();
  });
});
