// Every kind of bad input gets its documented answer (docs/protocol.md,
// "Close codes"), the server never crashes, and a well-behaved session next
// to the offenders loses and duplicates nothing.
import { afterEach, describe, expect, it } from "vitest";
import { ackOf, rawClient, roundTrip, startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function closedBy(frames: Array<string | Buffer>, greet = true, maxPayload?: number, wsMaxPayload?: number) {
  h ??= await startLifeline(maxPayload === undefined ? {} : { maxPayload }, wsMaxPayload);
  const c = await rawClient(h.url);
  if (greet) {
    c.send({ t: "hello", session: `s-${Math.random()}`, ack: 0 });
    await c.next(ackOf(0));
  }
  for (const frame of frames) c.ws.send(frame);
  return c.closed;
}

describe("bad input", () => {
  it.each([
    ["not JSON", "{nope", "protocol error: not JSON"],
    ["JSON that is not an object", "[1,2]", "protocol error: not an envelope"],
    ["an unknown t", JSON.stringify({ t: "shout", data: 1 }), "protocol error: unknown frame type"],
    ["a msg without seq", JSON.stringify({ t: "msg", data: 1 }), "protocol error: msg seq must be an integer >= 1"],
    ["a msg with seq 0", JSON.stringify({ t: "msg", seq: 0, data: 1 }), "protocol error: msg seq must be an integer >= 1"],
    ["a req without id", JSON.stringify({ t: "req", seq: 1, data: 1 }), "protocol error: req needs an id of 1-256 chars"],
    ["an ack with a fraction", JSON.stringify({ t: "ack", seq: 1.5 }), "protocol error: ack seq must be an integer >= 0"],
    ["a second hello", JSON.stringify({ t: "hello", session: "other", ack: 0 }), "protocol error: second hello"],
  ])("%s → 4400", async (_what, frame, reason) => {
    expect(await closedBy([frame])).toEqual({ code: 4400, reason });
  });

  it("frames before hello → 4400 hello expected; a hello with a bad session → 4400", async () => {
    expect(await closedBy([JSON.stringify({ t: "msg", seq: 1, data: 1 })], false)).toEqual({
      code: 4400,
      reason: "protocol error: hello expected",
    });
    expect(await closedBy([JSON.stringify({ t: "hello", session: "", ack: 0 })], false)).toEqual({
      code: 4400,
      reason: "protocol error: hello needs a session id of 1-256 chars",
    });
    expect(await closedBy([JSON.stringify({ t: "hello", session: "x".repeat(257), ack: 0 })], false)).toMatchObject({ code: 4400 });
    expect(await closedBy([JSON.stringify({ t: "hello", session: "s", ack: 0, resume: "yes" })], false)).toEqual({
      code: 4400,
      reason: "protocol error: hello resume must be a boolean",
    });
  });

  it("a binary frame → 1003", async () => {
    expect(await closedBy([Buffer.from([1, 2, 3])])).toEqual({
      code: 1003,
      reason: "binary frames are not part of the protocol",
    });
  });

  it("a frame above maxPayload → 1009, from the core and from ws's own limit", async () => {
    const big = JSON.stringify({ t: "msg", seq: 1, data: "x".repeat(200) });
    expect(await closedBy([big], true, 100)).toEqual({ code: 1009, reason: "frame too large" });
    await h!.close();
    h = undefined;
    expect((await closedBy([big], true, undefined, 100)).code).toBe(1009);
  });

  it("answers ping with pong outside the protocol, before and after hello, and ignores pong", async () => {
    h = await startLifeline();
    const c = await rawClient(h.url);
    await roundTrip(c);
    c.send("pong");
    c.send({ t: "hello", session: "beat", ack: 0 });
    await c.next(ackOf(0));
    await roundTrip(c);
    expect(c.frames.filter((f) => f === "pong")).toHaveLength(2);
    await c.close();
  });

  it("a hello for a session owned by a live connection: the newer wins, the older is closed with 4409", async () => {
    const seen: number[] = [];
    h = await startLifeline({ onMessage: ({ seq }) => void seen.push(seq) });
    const old = await rawClient(h.url);
    old.send({ t: "hello", session: "twice", ack: 0 });
    old.send({ t: "msg", seq: 1, data: 1 });
    await old.next(ackOf(1));
    const fresh = await rawClient(h.url);
    fresh.send({ t: "hello", session: "twice", ack: 0 });
    expect(await old.closed).toEqual({ code: 4409, reason: "session taken over" });
    await fresh.next(ackOf(1));
    fresh.send({ t: "msg", seq: 1, data: 1 });
    fresh.send({ t: "msg", seq: 2, data: 2 });
    await fresh.next(ackOf(2));
    await h.lifeline.send("twice", "to the newer one");
    await fresh.next((f) => typeof f === "object" && f.t === "msg");
    expect(seen).toEqual([1, 2]);
    expect(await h.lifeline.store.inspect("twice")).toMatchObject({ fence: 2, attached: true, inbound: 2 });
    await fresh.close();
  });

  it("a takeover while the older connection's handler is still running: that message is handed over once", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const seen: number[] = [];
    h = await startLifeline({
      onMessage: async ({ seq }) => {
        seen.push(seq);
        if (seq === 1) {
          entered();
          await gate;
        }
      },
    });
    const old = await rawClient(h.url);
    old.send({ t: "hello", session: "busy", ack: 0 });
    old.send({ t: "msg", seq: 1, data: 1 });
    await inside;
    const fresh = await rawClient(h.url);
    fresh.send({ t: "hello", session: "busy", ack: 0 });
    await old.closed;
    release();
    // the newer connection learns that 1 is done, so the client's resend of it is dropped
    await fresh.next(ackOf(1));
    fresh.send({ t: "msg", seq: 1, data: 1 });
    fresh.send({ t: "msg", seq: 2, data: 2 });
    await fresh.next(ackOf(2));
    expect(seen).toEqual([1, 2]);
    await fresh.close();
  });

  it("never crashes on a barrage of junk, and a well-behaved session beside it gets everything once", async () => {
    const seen: number[] = [];
    h = await startLifeline({ onMessage: ({ session, seq }) => void (session === "good" && seen.push(seq)) });
    const good = await rawClient(h.url);
    good.send({ t: "hello", session: "good", ack: 0 });
    const junk = [
      "", "null", "0", '"str"', "{}", '{"t":null}', '{"t":"hello"}', '{"t":"hello","session":5}', '{"t":"hello","session":"j","ack":-1}',
      '{"t":"msg","seq":"1"}', '{"t":"msg","seq":1e300}', '{"t":"ack","seq":-3}', '{"t":"req","seq":1,"id":7}', "\u0000\uffff",
      '{"__proto__":{"t":"hello"}}', '{"t":"constructor"}', "ping ", "x".repeat(10_000),
    ];
    const offenders = await Promise.all(junk.map(() => rawClient(h!.url)));
    const closes = offenders.map((c) => c.closed);
    junk.forEach((frame, i) => offenders[i]!.send(frame));
    for (let seq = 1; seq <= 20; seq++) good.send({ t: "msg", seq, data: seq });
    const codes = (await Promise.all(closes)).map((c) => c.code);
    expect(codes.every((code) => code === 4400)).toBe(true);
    await good.next(ackOf(20));
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await good.close();
  });
});
