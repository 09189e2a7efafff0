import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, isLifelineError } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import type { AtLeastOnceOptions } from "../../src/at-least-once/index.js";
import { request } from "../../src/request/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";

function setup(extra: Record<string, unknown> = {}, ack: AtLeastOnceOptions = {}) {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const client = createClient({
    url: "ws://test/ws",
    WebSocket: fake.WebSocket,
    clock,
    delivery: atLeastOnce(ack),
    heartbeat: false,
    backoff: { jitter: "none" },
    ...extra,
  });
  const frames = (i = fake.sockets.length - 1) => fake.sockets[i]!.sent.map((f) => JSON.parse(f as string));
  /** The session the client named in its hello on socket i. */
  const session = (i = fake.sockets.length - 1) => frames(i)[0].session as string;
  const serverSays = (frame: unknown) => fake.last().receive(JSON.stringify(frame));
  return { clock, fake, client, frames, session, serverSays };
}

describe("atLeastOnce(): client → server", () => {
  it("opens every connection with hello, then sends numbered envelopes", () => {
    const { fake, client, frames, session } = setup();
    expect(client.send({ n: 1 })).toBe("queued");
    fake.last().open();
    expect(client.send({ n: 2 })).toBe("sent");
    expect(frames()).toEqual([
      { t: "hello", session: session(), ack: 0 },
      { t: "msg", seq: 1, data: { n: 1 } },
      { t: "msg", seq: 2, data: { n: 2 } },
    ]);
    // 16 bytes from crypto.getRandomValues, base64url
    expect(session()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("keeps messages until a cumulative ack, and reports them delivered", () => {
    const { fake, client, serverSays } = setup();
    const delivered: unknown[] = [];
    client.on("delivered", (e) => delivered.push(e));
    fake.last().open();
    for (let n = 1; n <= 3; n++) client.send({ n });
    expect(client.pending).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    serverSays({ t: "ack", seq: 2 });
    expect(client.pending).toEqual([{ n: 3 }]);
    expect(delivered).toEqual([{ messages: [{ n: 1 }, { n: 2 }], seq: 2 }]);
    // an ack for what is already acknowledged, or above what was sent, changes nothing it should not
    serverSays({ t: "ack", seq: 1 });
    serverSays({ t: "ack", seq: 99 });
    expect(client.pending).toEqual([]);
    expect(delivered).toHaveLength(2);
  });

  it("resends every unacknowledged message in order after a reconnect, before newer ones, in the same session", () => {
    const { fake, client, clock, frames, session, serverSays } = setup();
    fake.last().open();
    const first = session();
    client.send({ n: 1 });
    client.send({ n: 2 });
    serverSays({ t: "ack", seq: 1 });
    fake.last().serverClose(1006);
    client.send({ n: 3 });
    clock.advance(500);
    fake.last().open();
    client.send({ n: 4 });
    expect(frames()).toEqual([
      // the server answered for the session (the ack): it is resumed
      { t: "hello", session: first, ack: 0, resume: true },
      { t: "msg", seq: 2, data: { n: 2 } },
      { t: "msg", seq: 3, data: { n: 3 } },
      { t: "msg", seq: 4, data: { n: 4 } },
    ]);
  });

  it("says resume in hello once the server answered for the session, so a server that lost it says reset even when nothing was received", () => {
    const { fake, clock, frames, session, serverSays } = setup();
    fake.last().open();
    const first = session();
    expect(frames()[0]).toEqual({ t: "hello", session: first, ack: 0 });
    // no answer yet: the server may never have seen the session
    fake.last().serverClose(1006);
    clock.advance(5_000);
    fake.last().open();
    expect(frames()[0]).toEqual({ t: "hello", session: first, ack: 0 });
    serverSays({ t: "ack", seq: 0 });
    fake.last().serverClose(1006);
    clock.advance(5_000);
    fake.last().open();
    expect(frames()[0]).toEqual({ t: "hello", session: first, ack: 0, resume: true });
  });

  it("keeps the session across close()+connect() while messages are unacknowledged, and starts a new one when none are", () => {
    const { fake, client, session, serverSays } = setup();
    fake.last().open();
    const first = session();
    client.send({ n: 1 });
    client.close();
    client.connect();
    fake.last().open();
    expect(session()).toBe(first);
    serverSays({ t: "ack", seq: 1 });
    client.close();
    client.connect();
    fake.last().open();
    expect(session()).not.toBe(first);
  });

  it("keeps at most queue.max messages in flight; the rest wait in the queue and go when acks make room", () => {
    const { fake, client, frames, serverSays } = setup({ queue: { max: 2 } });
    fake.last().open();
    expect([client.send({ n: 1 }), client.send({ n: 2 }), client.send({ n: 3 })]).toEqual(["sent", "sent", "queued"]);
    expect(frames().slice(1).map((f) => f.seq)).toEqual([1, 2]);
    expect(client.pending).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    serverSays({ t: "ack", seq: 1 });
    expect(frames().slice(1).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(frames().at(-1)).toEqual({ t: "msg", seq: 3, data: { n: 3 } });
  });

  it("a message sent from a delivered handler goes after what already waited in the queue", () => {
    const { fake, client, frames, serverSays } = setup({ queue: { max: 2 } });
    fake.last().open();
    expect([client.send({ n: 1 }), client.send({ n: 2 }), client.send({ n: 3 })]).toEqual(["sent", "sent", "queued"]);
    client.on("delivered", ({ seq }) => seq === 1 && client.send({ n: 4 }));
    serverSays({ t: "ack", seq: 1 });
    serverSays({ t: "ack", seq: 2 });
    expect(frames().slice(1).map((f) => [f.seq, f.data.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    client.close();
  });

  it("correlates request() replies through the envelope's re", async () => {
    const { fake, client, frames, serverSays } = setup();
    fake.last().open();
    const reply = request(client, { q: "time" });
    const req = frames().at(-1);
    expect(req).toMatchObject({ t: "req", seq: 1, data: { q: "time" } });
    expect(typeof req.id).toBe("string");
    serverSays({ t: "msg", seq: 1, re: req.id, data: { now: 1 } });
    await expect(reply).resolves.toEqual({ now: 1 });
  });

  it("rejects a custom codec and bad ack options", () => {
    for (const make of [() => setup({ codec: { encode: String, decode: String } }), () => atLeastOnce({ ackEvery: 0 }), () => atLeastOnce({ ackDelay: -1 })]) {
      try {
        make();
        expect.unreachable();
      } catch (error) {
        expect(isLifelineError(error) && error.code).toBe("INVALID_OPTIONS");
      }
    }
  });
});

describe("atLeastOnce(): server → client", () => {
  it("unwraps envelopes, validates the data, delivers each seq once and names the last one in the next hello", () => {
    const { fake, client, clock, frames, serverSays } = setup({ incoming: z.object({ text: z.string() }) });
    const got: unknown[] = [];
    const invalid: unknown[] = [];
    client.on("message", (m) => got.push(m));
    client.on("invalid", (e) => invalid.push(e.data));
    fake.last().open();
    serverSays({ t: "msg", seq: 1, data: { text: "a" } });
    serverSays({ t: "msg", seq: 1, data: { text: "a" } });
    serverSays({ t: "msg", seq: 2, data: { text: "b" } });
    serverSays({ t: "msg", data: { text: 5 } }); // a version-1 message without seq, invalid data
    serverSays({ text: "no envelope" });
    expect(got).toEqual([{ text: "a" }, { text: "b" }]);
    expect(invalid).toHaveLength(2);
    fake.last().serverClose(1001);
    clock.advance(500);
    fake.last().open();
    expect(frames()[0]).toMatchObject({ t: "hello", ack: 2 });
    // the replay of what it already has is dropped; what is new is delivered
    serverSays({ t: "msg", seq: 2, data: { text: "b" } });
    serverSays({ t: "msg", seq: 3, data: { text: "c" } });
    expect(got).toEqual([{ text: "a" }, { text: "b" }, { text: "c" }]);
  });

  it("acknowledges in batches: once per ackEvery messages (at the end of the turn), or ackDelay ms after the first unacknowledged one", async () => {
    const { fake, clock, frames, serverSays } = setup({}, { ackEvery: 3, ackDelay: 100 });
    fake.last().open();
    const acks = () => frames().filter((f) => f.t === "ack");
    // the ack owed goes out at the end of the turn (the fake socket's frames arrive synchronously, as a read's do)
    for (let seq = 1; seq <= 3; seq++) serverSays({ t: "msg", seq, data: seq });
    await null;
    expect(acks()).toEqual([{ t: "ack", seq: 3 }]);
    serverSays({ t: "msg", seq: 4, data: 4 });
    clock.advance(99);
    expect(acks()).toHaveLength(1);
    clock.advance(1);
    expect(acks()).toEqual([
      { t: "ack", seq: 3 },
      { t: "ack", seq: 4 },
    ]);
    expect(clock.pending()).toBe(0);
  });

  it("one ack per turn: a read of many frames is acknowledged once, cumulatively, and the ack timer is gone", async () => {
    const { fake, clock, frames, serverSays } = setup({}, { ackEvery: 3, ackDelay: 100 });
    fake.last().open();
    const acks = () => frames().filter((f) => f.t === "ack");
    for (let seq = 1; seq <= 10; seq++) serverSays({ t: "msg", seq, data: seq });
    expect(acks()).toEqual([]);
    await null;
    expect(acks()).toEqual([{ t: "ack", seq: 10 }]);
    expect(clock.pending()).toBe(0);
    // the next turn counts afresh
    for (let seq = 11; seq <= 13; seq++) serverSays({ t: "msg", seq, data: seq });
    await null;
    expect(acks()).toEqual([
      { t: "ack", seq: 10 },
      { t: "ack", seq: 13 },
    ]);
  });

  it("sends the ack it owes before a clean close(), and leaves no ack timer behind", () => {
    const { fake, client, clock, frames, serverSays } = setup();
    fake.last().open();
    serverSays({ t: "msg", seq: 1, data: 1 });
    serverSays({ t: "msg", seq: 2, data: 2 });
    client.close();
    expect(frames().at(-1)).toEqual({ t: "ack", seq: 2 });
    expect(clock.pending()).toBe(0);
  });
});

describe("atLeastOnce(): ack timer and lost lines", () => {
  it("a lost line takes the pending ack timer with it: a close() during the backoff leaves no timer", () => {
    const { fake, client, clock, serverSays } = setup({}, { ackDelay: 100 });
    fake.last().open();
    serverSays({ t: "msg", seq: 1, data: 1 });
    expect(clock.pending()).toBe(1);
    fake.last().serverClose(1001);
    // only the backoff's timer
    expect(clock.pending()).toBe(1);
    client.close();
    expect(clock.pending()).toBe(0);
  });

  it("after a reconnect the ack delay counts from the first message on the new line", () => {
    const { fake, client, clock, frames, serverSays } = setup({}, { ackDelay: 100 });
    fake.last().open();
    serverSays({ t: "msg", seq: 1, data: 1 });
    clock.advance(60);
    client.reconnect();
    fake.last().open();
    expect(frames()[0]).toMatchObject({ t: "hello", ack: 1 });
    serverSays({ t: "msg", seq: 2, data: 2 });
    clock.advance(99);
    expect(frames().filter((f) => f.t === "ack")).toEqual([]);
    clock.advance(1);
    expect(frames().filter((f) => f.t === "ack")).toEqual([{ t: "ack", seq: 2 }]);
    client.close();
  });
});

describe("atLeastOnce(): reset", () => {
  it("announces the reset, starts a fresh session and resends what it holds there, numbered from 1", () => {
    const { fake, client, frames, session, serverSays } = setup();
    const resets: unknown[] = [];
    client.on("reset", (e) => resets.push(e));
    fake.last().open();
    const first = session();
    client.send({ n: 1 });
    client.send({ n: 2 });
    serverSays({ t: "ack", seq: 1 });
    serverSays({ t: "msg", seq: 7, data: "x" });
    serverSays({ t: "reset", reason: "expired" });
    expect(resets).toEqual([{ reason: "expired" }]);
    // the client reconnects at once under a new session: server sequence numbers start over too
    fake.last().open();
    expect(session()).not.toBe(first);
    expect(frames()).toEqual([
      { t: "hello", session: session(), ack: 0 },
      { t: "msg", seq: 1, data: { n: 2 } },
    ]);
    expect(client.pending).toEqual([{ n: 2 }]);
  });
});
