// When the server has no state for a session it says so with a reset, never
// silently: unknown session, replay buffer overflow, a seq that skips ahead,
// an ack of something never sent. After a reset the socket takes a new hello.
import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/index.js";
import { ackOf, isReset, lifelinePerTest, msgOf, rawClient, roundTrip } from "./helpers.js";
import type { Frame, RawClient } from "./helpers.js";

const start = lifelinePerTest();

describe("reset", () => {
  it("unknown session with R > 0 → unknown-session; a new hello on the same socket starts over", async () => {
    const seen: string[] = [];
    const h = await start({ onMessage: ({ session }) => void seen.push(session) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "lost", ack: 7 });
    // frames the client had already sent under the lost session are ignored
    c.send({ t: "msg", seq: 3, data: "old" });
    expect(await c.next(isReset)).toEqual({ t: "reset", reason: "unknown-session" });
    const from = c.frames.length;
    c.send({ t: "hello", session: "fresh", ack: 0 });
    await c.next(ackOf(0), from);
    c.send({ t: "msg", seq: 1, data: "again" });
    await c.next(ackOf(1), from);
    expect(seen).toEqual(["fresh"]);
    expect(await h.lifeline.store.inspect("lost")).toBeUndefined();
    await c.close();
  });

  it("hello with resume (the server answered for it before) for an unknown session → unknown-session, even with R = 0", async () => {
    const store = memoryStore();
    const h = await start({ store });
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "quiet", ack: 0 });
    await a.next(ackOf(0));
    await a.close();
    // a message for the client while it is away, then the store is lost: the client never saw it
    expect(await h.lifeline.send("quiet", "gone with the store")).toEqual({ ok: true, seq: 1 });
    store.clear();
    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "quiet", ack: 0, resume: true });
    expect(await b.next(isReset)).toEqual({ t: "reset", reason: "unknown-session" });
    expect(await h.lifeline.store.inspect("quiet")).toBeUndefined();
    await b.close();
  });

  it("hello with resume for a known session resumes it as usual", async () => {
    const h = await start();
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "kept", ack: 0 });
    await a.next(ackOf(0));
    await a.close();
    await h.lifeline.send("kept", "while away");
    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "kept", ack: 0, resume: true });
    expect(await b.next(msgOf(1))).toEqual({ t: "msg", seq: 1, data: "while away" });
    expect(b.of("reset")).toEqual([]);
    await b.close();
  });

  it("unknown session with R = 0 is a new session", async () => {
    const h = await start();
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "brand-new", ack: 0 });
    await c.next(ackOf(0));
    expect(c.of("reset")).toEqual([]);
    expect(await h.lifeline.store.inspect("brand-new")).toMatchObject({ attached: true, inbound: 0, sent: 0 });
    await c.close();
  });

  it("a seq that skips ahead is handed over in order, and a lower one after it is a duplicate (numbers are the client's to give)", async () => {
    const seen: number[] = [];
    const h = await start({ onMessage: ({ seq }) => void seen.push(seq) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "gap", ack: 0 });
    c.send({ t: "msg", seq: 1, data: 1 });
    c.send({ t: "msg", seq: 3, data: 3 });
    c.send({ t: "msg", seq: 1_000_004, data: 4 });
    c.send({ t: "msg", seq: 2, data: 2 });
    await roundTrip(c);
    expect(seen).toEqual([1, 3, 1_000_004]);
    expect(c.of("reset")).toEqual([]);
    expect(Math.max(...c.of("ack").map((f) => f.seq as number))).toBe(1_000_004);
    expect(await h.lifeline.store.inspect("gap")).toMatchObject({ inbound: 1_000_004 });
    await c.close();
  });

  it("replay buffer full while the client is away → send() says overflow, the next hello gets reset overflow", async () => {
    const h = await start({ store: memoryStore({ replay: { max: 3 } }) });
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "full", ack: 0 });
    await a.next(ackOf(0));
    await a.close();
    for (let n = 1; n <= 3; n++) expect(await h.lifeline.send("full", n)).toEqual({ ok: true, seq: n });
    expect(await h.lifeline.send("full", 4)).toEqual({ ok: false, reason: "overflow" });
    expect(await h.lifeline.send("full", 5)).toEqual({ ok: false, reason: "unknown-session" });
    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "full", ack: 0 });
    expect(await b.next(isReset)).toEqual({ t: "reset", reason: "overflow" });
    expect(b.of("msg")).toEqual([]);
    await b.close();
  });

  it("replay buffer full while connected (the client does not ack) → reset overflow on the live socket", async () => {
    const h = await start({ store: memoryStore({ replay: { max: 2 } }) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "greedy", ack: 0 });
    await c.next(ackOf(0));
    await h.lifeline.send("greedy", 1);
    await h.lifeline.send("greedy", 2);
    expect(await h.lifeline.send("greedy", 3)).toEqual({ ok: false, reason: "overflow" });
    expect(await c.next(isReset)).toEqual({ t: "reset", reason: "overflow" });
    expect(c.of("msg").map((f) => f.seq)).toEqual([1, 2]);
    await c.close();
  });

  it("acks keep the buffer below replay.max: a well-behaved client is never reset", async () => {
    const h = await start({ store: memoryStore({ replay: { max: 5 } }) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "steady", ack: 0 });
    await c.next(ackOf(0));
    for (let n = 1; n <= 50; n++) {
      expect(await h.lifeline.send("steady", n)).toEqual({ ok: true, seq: n });
      if (n % 4 === 0) {
        await c.next(msgOf(n));
        c.send({ t: "ack", seq: n });
        await roundTrip(c);
      }
    }
    expect(c.of("reset")).toEqual([]);
    await c.close();
  });

  it("an ack above what was sent → ack-ahead; so is a hello whose R is above it", async () => {
    const h = await start();
    const a = await rawClient(h.url);
    a.send({ t: "hello", session: "ahead", ack: 0 });
    await a.next(ackOf(0));
    await h.lifeline.send("ahead", "x");
    await a.next(msgOf(1));
    a.send({ t: "ack", seq: 5 });
    expect(await a.next(isReset)).toEqual({ t: "reset", reason: "ack-ahead" });
    expect(await h.lifeline.store.inspect("ahead")).toBeUndefined();
    await a.close();

    const b = await rawClient(h.url);
    b.send({ t: "hello", session: "ahead-2", ack: 0 });
    await b.next(ackOf(0));
    await b.close();
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "ahead-2", ack: 9 });
    expect(await c.next(isReset)).toEqual({ t: "reset", reason: "ack-ahead" });
    await c.close();
  });

  it("the store lost under a live connection (cleared) → unknown-session at the next write", async () => {
    const store = memoryStore();
    const h = await start({ store });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "wiped", ack: 0 });
    c.send({ t: "msg", seq: 1, data: 1 });
    await c.next(ackOf(1));
    store.clear();
    c.send({ t: "msg", seq: 2, data: 2 });
    const reset = await c.next(isReset);
    expect(reset).toEqual({ t: "reset", reason: "unknown-session" });
    // 2 was handed to the application before its mark could not be stored: acknowledged
    // before the reset, so the client does not send it again under its new session
    expect(acksBefore(c, reset)).toContain(2);
    await c.close();
  });

  it("a reset under a live connection acknowledges first what the application handled (async handlers, overflow)", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: number[] = [];
    const h = await start({
      store: memoryStore({ replay: { max: 1 } }),
      async onMessage({ seq }) {
        seen.push(seq);
        if (seq === 1) await gate;
      },
    });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "busy", ack: 0 });
    await c.next(ackOf(0));
    c.send({ t: "msg", seq: 1, data: 1 });
    c.send({ t: "msg", seq: 2, data: 2 });
    // both frames are in: 1's handler is running, 2 waits behind it
    await roundTrip(c);
    expect(seen).toEqual([1]);
    // the client does not ack: the second server message overflows the buffer, and the
    // reset is queued behind the two client messages
    expect(await h.lifeline.send("busy", "a")).toEqual({ ok: true, seq: 1 });
    expect(await h.lifeline.send("busy", "b")).toEqual({ ok: false, reason: "overflow" });
    release();
    const reset = await c.next(isReset);
    expect(reset).toEqual({ t: "reset", reason: "overflow" });
    expect(seen).toEqual([1, 2]);
    expect(acksBefore(c, reset)).toContain(2);
    await c.close();
  });
});

/** The seqs the server acknowledged before `frame`. */
function acksBefore(c: RawClient, frame: Frame): number[] {
  return c.frames
    .slice(0, c.frames.indexOf(frame))
    .filter((f): f is Frame => typeof f === "object" && f.t === "ack")
    .map((f) => f.seq as number);
}
