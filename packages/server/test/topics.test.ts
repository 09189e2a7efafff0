// Topics on one node, spoken to frame by frame (docs/protocol.md, "Topics"):
// subscribe, publish, unsubscribe, FORBIDDEN, recovery after a reconnect, gap
// for a trimmed history and for a new epoch, and what a bad frame costs.
import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/index.js";
import type { MemoryStore } from "../src/index.js";
import { ackOf, isReset, lifelinePerTest, rawClient, roundTrip } from "./helpers.js";
import type { Frame, RawClient } from "./helpers.js";

const start = lifelinePerTest();

let sessions = 0;
/** A raw client whose hello was answered. */
async function greeted(url: string, session = `s${++sessions}`, resume = false): Promise<RawClient> {
  const c = await rawClient(url);
  c.send({ t: "hello", session, ack: 0, ...(resume && { resume: true }) });
  await c.next(ackOf(0));
  return c;
}

const isT = (t: string, topic?: string) => (f: Frame | string) => typeof f === "object" && f.t === t && (topic === undefined || f["topic"] === topic);
const pubOf = (topic: string, offset: number) => (f: Frame | string) => isT("pub", topic)(f) && (f as Frame)["offset"] === offset;
const pubs = (c: RawClient, topic: string) => c.of("pub").filter((f) => f["topic"] === topic).map((f) => [f["offset"], f["data"]]);

describe("topics", () => {
  it("subscribe, then every publication once and in offset order; publish answers its offset", async () => {
    const h = await start();
    const c = await greeted(h.url);
    c.send({ t: "sub", topic: "room:1" });
    expect(await c.next(isT("subscribed"))).toEqual({ t: "subscribed", topic: "room:1", epoch: "", offset: 0, recovered: false });
    const first = await h.lifeline.publish("room:1", { n: 1 });
    expect(first).toEqual({ ok: true, offset: 1, epoch: expect.any(String) });
    for (let n = 2; n <= 10; n++) expect(await h.lifeline.publish("room:1", { n })).toMatchObject({ ok: true, offset: n });
    await h.lifeline.publish("room:2", { other: true });
    await c.next(pubOf("room:1", 10));
    expect(pubs(c, "room:1")).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, { n: i + 1 }]));
    expect(c.of("pub").every((f) => f["epoch"] === (first as { epoch: string }).epoch)).toBe(true);
    expect(pubs(c, "room:2")).toEqual([]);
    // a late subscriber starts at the head
    const d = await greeted(h.url);
    d.send({ t: "sub", topic: "room:1" });
    expect(await d.next(isT("subscribed"))).toMatchObject({ offset: 10, recovered: false });
    await h.lifeline.publish("room:1", { n: 11 });
    await d.next(pubOf("room:1", 11));
    expect(pubs(d, "room:1")).toEqual([[11, { n: 11 }]]);
    await c.close();
    await d.close();
  });

  it("hears each topic once per node, whatever its number of subscribers, and lets go when the last leaves", async () => {
    const store = memoryStore();
    const listens: string[] = [];
    const listen = store.topics.listen.bind(store.topics);
    store.topics.listen = (topic, listener) => (listens.push(topic), listen(topic, listener));
    const h = await start({ store });
    const clients = await Promise.all(Array.from({ length: 20 }, () => greeted(h.url)));
    for (const c of clients) c.send({ t: "sub", topic: "big" });
    await Promise.all(clients.map((c) => c.next(isT("subscribed"))));
    await h.lifeline.publish("big", "hello");
    await Promise.all(clients.map((c) => c.next(pubOf("big", 1))));
    expect(listens).toEqual(["big"]);
    expect(h.lifeline.stats().topics).toBe(1);
    await Promise.all(clients.map((c) => c.close()));
    await expect.poll(() => h.lifeline.stats().topics).toBe(0);
    await store.close();
  });

  it("canSubscribe gets { user, session, topic } on every subscribe; false refuses with FORBIDDEN, sync or async", async () => {
    const asked: unknown[] = [];
    const h = await start({
      canSubscribe: async (context) => {
        asked.push(context);
        return context.topic.startsWith("room:");
      },
    });
    const c = await greeted(h.url, "who");
    c.send({ t: "sub", topic: "admin" });
    c.send({ t: "sub", topic: "room:1" });
    expect(await c.next(isT("refused"))).toEqual({ t: "refused", topic: "admin", code: "FORBIDDEN" });
    await c.next(isT("subscribed", "room:1"));
    // answers come in the order of the subs
    expect(c.frames.filter((f) => typeof f === "object" && (f.t === "refused" || f.t === "subscribed")).map((f) => (f as Frame).t)).toEqual(["refused", "subscribed"]);
    expect(asked).toEqual([
      { user: undefined, session: "who", topic: "admin" },
      { user: undefined, session: "who", topic: "room:1" },
    ]);
    await h.lifeline.publish("admin", "secret");
    await h.lifeline.publish("room:1", "hi");
    await c.next(pubOf("room:1", 1));
    expect(c.of("pub").map((f) => f["topic"])).toEqual(["room:1"]);
    await c.close();

    const sync = await start({ canSubscribe: () => false });
    const d = await greeted(sync.url);
    d.send({ t: "sub", topic: "x" });
    expect(await d.next(isT("refused"))).toMatchObject({ code: "FORBIDDEN" });
    await d.close();
  });

  it("canSubscribe sees the user the connection was accepted for: a feed of one's own, nobody else's", async () => {
    const h = await start({ canSubscribe: ({ user, topic }) => user !== undefined && topic === `user:${user}` });
    const ada = await greeted(`${h.url}/?user=ada`);
    ada.send({ t: "sub", topic: "user:ada" });
    ada.send({ t: "sub", topic: "user:bob" });
    await ada.next(isT("subscribed", "user:ada"));
    expect(await ada.next(isT("refused"))).toMatchObject({ topic: "user:bob", code: "FORBIDDEN" });
    const anonymous = await greeted(h.url);
    anonymous.send({ t: "sub", topic: "user:ada" });
    expect(await anonymous.next(isT("refused"))).toMatchObject({ code: "FORBIDDEN" });
    await h.lifeline.publish("user:ada", "for ada");
    await ada.next(pubOf("user:ada", 1));
    await roundTrip(anonymous);
    expect(anonymous.of("pub")).toEqual([]);
    await ada.close();
    await anonymous.close();
  });

  it("a congested subscriber is skipped until its socket drained, then caught up from the history, in order; beyond the history, a gap", async () => {
    const h = await start({ topics: { history: { max: 5 } }, limits: { bufferedBytes: 100 } });
    let buffered = 0;
    let drained: Array<() => void> = [];
    const frames: Array<Record<string, unknown>> = [];
    const conn = h.lifeline.connect({
      send: (text) => {
        if (text !== "pong") frames.push(JSON.parse(text) as Record<string, unknown>);
        buffered += text.length;
      },
      close: () => {},
      buffered: () => buffered,
      whenDrained: (resume) => void drained.push(resume),
    });
    const drain = () => {
      buffered = 0;
      for (const resume of drained.splice(0)) resume();
    };
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(check()).toBe(true);
    };
    const offsets = () => frames.filter((f) => f["t"] === "pub").map((f) => f["offset"]);
    conn.receive(JSON.stringify({ t: "hello", session: "slow", ack: 0 }));
    conn.receive(JSON.stringify({ t: "sub", topic: "t" }));
    await until(() => frames.some((f) => f["t"] === "subscribed"));
    buffered = 0;
    // the first publication fills the socket past 100 bytes: the next ones are not written
    for (let n = 1; n <= 4; n++) await h.lifeline.publish("t", { n, pad: "x".repeat(80) });
    await until(() => offsets().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(offsets()).toEqual([1]);
    drain();
    // caught up from the history, one publication per drain (each fills the socket again)
    for (let i = 0; i < 3; i++) {
      await until(() => offsets().length === 2 + i);
      drain();
    }
    expect(offsets()).toEqual([1, 2, 3, 4]);
    // paused for longer than the history holds: a gap, then live
    for (let n = 5; n <= 12; n++) await h.lifeline.publish("t", { n, pad: "x".repeat(80) });
    await until(() => offsets().length === 5);
    drain();
    await until(() => frames.some((f) => f["t"] === "gap"));
    expect(frames.find((f) => f["t"] === "gap")).toMatchObject({ reason: "trimmed", offset: 12 });
    drain();
    await h.lifeline.publish("t", { n: 13 });
    await until(() => offsets().at(-1) === 13);
    expect(offsets()).toEqual([1, 2, 3, 4, 5, 13]);
    conn.end();
  });

  it("a canSubscribe that throws refuses with UNAVAILABLE and is reported to onError; the line stays up", async () => {
    const errors: unknown[] = [];
    const h = await start({
      canSubscribe: () => {
        throw new Error("auth service down");
      },
      onError: (error, context) => errors.push([String(error), context]),
    });
    const c = await greeted(h.url, "e1");
    c.send({ t: "sub", topic: "t" });
    expect(await c.next(isT("refused"))).toMatchObject({ code: "UNAVAILABLE" });
    expect(errors).toEqual([["Error: auth service down", { source: "canSubscribe", session: "e1" }]]);
    await roundTrip(c);
    await c.close();
  });

  it("unsub stops the publications; a refused resubscribe ends the subscription too", async () => {
    let allow = true;
    const h = await start({ canSubscribe: () => allow });
    const c = await greeted(h.url);
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("subscribed"));
    await h.lifeline.publish("t", 1);
    await c.next(pubOf("t", 1));
    c.send({ t: "unsub", topic: "t" });
    await roundTrip(c);
    await h.lifeline.publish("t", 2);
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("subscribed"), c.frames.length);
    allow = false;
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("refused"));
    await h.lifeline.publish("t", 3);
    await roundTrip(c);
    expect(pubs(c, "t")).toEqual([[1, 1]]);
    await expect.poll(() => h.lifeline.stats().topics).toBe(0);
    await c.close();
  });

  it("after a reconnect, a resubscribe with (epoch, offset) gets what was published meanwhile, once and in order, then live", async () => {
    const h = await start();
    const c = await greeted(h.url, "r");
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("subscribed"));
    const { epoch } = (await h.lifeline.publish("t", 1)) as { epoch: string };
    await c.next(pubOf("t", 1));
    await c.close();
    for (let n = 2; n <= 5; n++) await h.lifeline.publish("t", n);
    const back = await greeted(h.url, "r", true);
    back.send({ t: "sub", topic: "t", epoch, offset: 1 });
    expect(await back.next(isT("subscribed"))).toEqual({ t: "subscribed", topic: "t", epoch, offset: 1, recovered: true });
    await h.lifeline.publish("t", 6);
    await back.next(pubOf("t", 6));
    expect(pubs(back, "t")).toEqual([2, 3, 4, 5, 6].map((n) => [n, n]));
    const order = back.frames.filter((f) => typeof f === "object" && (f.t === "subscribed" || f.t === "pub")).map((f) => (f as Frame).t);
    expect(order[0]).toBe("subscribed");
    await back.close();
  });

  it("a position the history no longer reaches: gap trimmed, then subscribed at the head, then live", async () => {
    const h = await start({ topics: { history: { max: 2 } } });
    for (let n = 1; n <= 3; n++) await h.lifeline.publish("t", n);
    const { epoch } = (await h.lifeline.publish("t", 4)) as { epoch: string };
    const c = await greeted(h.url);
    c.send({ t: "sub", topic: "t", epoch, offset: 1 });
    expect(await c.next(isT("gap"))).toEqual({ t: "gap", topic: "t", reason: "trimmed", epoch, offset: 4 });
    expect(await c.next(isT("subscribed"))).toEqual({ t: "subscribed", topic: "t", epoch, offset: 4, recovered: false });
    await h.lifeline.publish("t", 5);
    await c.next(pubOf("t", 5));
    expect(pubs(c, "t")).toEqual([[5, 5]]);
    // within what the history holds, recovery works
    c.send({ t: "sub", topic: "t", epoch, offset: 3 });
    expect(await c.next(isT("subscribed"), c.frames.length)).toMatchObject({ recovered: true, offset: 3 });
    await c.next(pubOf("t", 5), c.frames.length - 1);
    await c.close();
  });

  it("a store that lost its history (a restart): gap epoch, then the new epoch from its head", async () => {
    const store = memoryStore();
    const h = await start({ store });
    const { epoch } = (await h.lifeline.publish("t", 1)) as { epoch: string };
    (store as MemoryStore).clear();
    const now = (await h.lifeline.publish("t", "again")) as { epoch: string; offset: number };
    expect(now.offset).toBe(1);
    const c = await greeted(h.url);
    c.send({ t: "sub", topic: "t", epoch, offset: 1 });
    expect(await c.next(isT("gap"))).toEqual({ t: "gap", topic: "t", reason: "epoch", epoch: now.epoch, offset: 1 });
    expect(await c.next(isT("subscribed"))).toMatchObject({ epoch: now.epoch, offset: 1, recovered: false });
    await c.close();
    await store.close();
  });

  it("a reset ends the connection's subscriptions: the client subscribes again under its new session", async () => {
    const h = await start();
    const c = await greeted(h.url);
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("subscribed"));
    c.send({ t: "ack", seq: 5 }); // ack-ahead: the server resets the session
    await c.next(isReset);
    await h.lifeline.publish("t", 1);
    c.send({ t: "hello", session: "fresh", ack: 0 });
    await c.next(ackOf(0), c.frames.length - 1);
    await roundTrip(c);
    expect(pubs(c, "t")).toEqual([]);
    await expect.poll(() => h.lifeline.stats().topics).toBe(0);
    await c.close();
  });

  it("a store that fails while serving a subscription closes its connection with 1011 (the client resumes from its offset), reported to onError", async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const read = store.topics.read.bind(store.topics);
    let failing = false;
    store.topics.read = (topic, from, limits) => (failing && from ? Promise.reject(new Error("store down")) : read(topic, from, limits));
    const h = await start({ store, onError: (error, context) => errors.push([String(error), context.source]) });
    const { epoch } = (await h.lifeline.publish("t", 1)) as { epoch: string };
    failing = true;
    const c = await greeted(h.url);
    c.send({ t: "sub", topic: "t", epoch, offset: 0 });
    expect(await c.closed).toEqual({ code: 1011, reason: "store failed" });
    expect(errors).toEqual([["Error: store down", "store"]]);
    failing = false;
    const again = await greeted(h.url);
    again.send({ t: "sub", topic: "t", epoch, offset: 0 });
    expect(await again.next(isT("subscribed"))).toMatchObject({ recovered: true });
    await again.next(pubOf("t", 1));
    await again.close();
    await store.close();
  });

  it("refuses a connection's 1,001st topic with LIMIT", async () => {
    const h = await start();
    const c = await greeted(h.url);
    for (let i = 0; i <= 1_000; i++) c.send({ t: "sub", topic: `t${i}` });
    expect(await c.next(isT("refused"))).toEqual({ t: "refused", topic: "t1000", code: "LIMIT" });
    expect(c.of("subscribed")).toHaveLength(1_000);
    await c.close();
  });

  it("closes with 4400 for a sub before hello or with bad fields, and publish() checks its arguments", async () => {
    const h = await start();
    const early = await rawClient(h.url);
    early.send({ t: "sub", topic: "t" });
    expect(await early.closed).toEqual({ code: 4400, reason: "protocol error: hello expected" });
    for (const [frame, reason] of [
      [{ t: "sub" }, "sub needs a topic of 1-256 chars"],
      [{ t: "sub", topic: "x".repeat(257) }, "sub needs a topic of 1-256 chars"],
      [{ t: "unsub", topic: 5 }, "unsub needs a topic of 1-256 chars"],
      [{ t: "sub", topic: "t", epoch: 1, offset: 1 }, "sub epoch must be a string of 0-64 chars"],
      [{ t: "sub", topic: "t", epoch: "e", offset: -1 }, "sub offset must be an integer >= 0"],
      [{ t: "sub", topic: "t", epoch: "e" }, "sub offset must be an integer >= 0"],
    ] as const) {
      const c = await greeted(h.url);
      c.send(frame);
      expect(await c.closed).toEqual({ code: 4400, reason: `protocol error: ${reason}` });
    }
    await expect(h.lifeline.publish("", 1)).rejects.toThrow("topic must be a string of 1-256 chars, got ");
    await expect(h.lifeline.publish("t", undefined)).rejects.toThrow("data must be JSON-serialisable, got undefined");
    await expect(h.lifeline.publish("t", () => {})).rejects.toThrow(TypeError);
  });

  it("validates the topic options and canSubscribe", async () => {
    await expect(start({ topics: { history: { max: -1 } } })).rejects.toThrow("topics.history.max must be an integer >= 0, got -1");
    await expect(start({ topics: { history: { ttl: 0 } } })).rejects.toThrow("topics.history.ttl must be a positive integer of ms, got 0");
    await expect(start({ canSubscribe: "yes" as never })).rejects.toThrow("canSubscribe must be a function, got string");
  });

  it("after close(), publish answers closed", async () => {
    const h = await start();
    await h.lifeline.close();
    expect(await h.lifeline.publish("t", 1)).toEqual({ ok: false, reason: "closed" });
  });
});
