// subscribe() on the fake socket: what goes on the wire (one sub per topic,
// resubscription from the position after every open, unsub when the last
// handle leaves), what reaches the handles (each publication once, in
// order; gap; subscribed; refusals; schema failures), and async iteration.
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createClient, isLifelineError } from "../../src/index.js";
import type { LifelineError } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { acrossTabs } from "../../src/share/index.js";
import { subscribe } from "../../src/topics/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";

function setup() {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const client = createClient({ url: "ws://test/ws", WebSocket: fake.WebSocket, clock, delivery: atLeastOnce(), heartbeat: false, backoff: { jitter: "none" } });
  const frames = (i = fake.sockets.length - 1) => fake.sockets[i]!.sent.map((f) => JSON.parse(f as string) as Record<string, unknown>);
  const topicFrames = (i?: number) => frames(i).filter((f) => f["t"] === "sub" || f["t"] === "unsub");
  const serverSays = (frame: unknown) => fake.last().receive(JSON.stringify(frame));
  const pub = (topic: string, offset: number, data: unknown, epoch = "e1") => serverSays({ t: "pub", topic, epoch, offset, data });
  return { clock, fake, client, frames, topicFrames, serverSays, pub };
}

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe("subscribe()", () => {
  it("sends one sub after the hello, and hands each publication to every handle once, in order", async () => {
    const { fake, client, frames, topicFrames, serverSays, pub } = setup();
    const a = subscribe(client, "room");
    const b = subscribe(client, "room");
    const got: unknown[] = [];
    a.on("message", (data, { offset }) => got.push(["a", data, offset]));
    b.on("message", (data, { offset }) => got.push(["b", data, offset]));
    const subscribed: unknown[] = [];
    a.on("subscribed", (e) => subscribed.push(e));
    fake.last().open();
    expect(frames()[0]).toMatchObject({ t: "hello" });
    expect(topicFrames()).toEqual([{ t: "sub", topic: "room" }]);
    pub("room", 1, "early"); // before subscribed: an older subscription's
    serverSays({ t: "subscribed", topic: "room", epoch: "e1", offset: 4, recovered: false });
    expect(subscribed).toEqual([{ recovered: false }]);
    pub("room", 4, "old");
    pub("room", 5, "x");
    pub("room", 5, "x again");
    pub("room", 6, "y");
    pub("other", 7, "not ours");
    expect(got).toEqual([
      ["a", "x", 5],
      ["b", "x", 5],
      ["a", "y", 6],
      ["b", "y", 6],
    ]);
    // a third handle joins the wire subscription without a new sub, from the next publication
    const c = subscribe(client, "room");
    const cGot: unknown[] = [];
    c.on("message", (data) => cGot.push(data));
    pub("room", 7, "z");
    await flush();
    expect(cGot).toEqual(["z"]);
    expect(topicFrames()).toHaveLength(1);
    client.close();
  });

  it("resubscribes from the last offset delivered after a reconnect, and takes the recovered publications once", () => {
    const { fake, client, clock, topicFrames, serverSays, pub } = setup();
    const room = subscribe(client, "room");
    const got: number[] = [];
    const subscribed: boolean[] = [];
    room.on("message", (_, { offset }) => got.push(offset));
    room.on("subscribed", ({ recovered }) => subscribed.push(recovered));
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "e1", offset: 0, recovered: false });
    pub("room", 1, 1);
    pub("room", 2, 2);
    fake.last().serverClose(1006, "");
    clock.advance(1_000);
    fake.last().open();
    expect(topicFrames()).toEqual([{ t: "sub", topic: "room", epoch: "e1", offset: 2 }]);
    serverSays({ t: "subscribed", topic: "room", epoch: "e1", offset: 2, recovered: true });
    pub("room", 2, 2); // a repeat is dropped
    pub("room", 3, 3);
    pub("room", 4, 4);
    expect(got).toEqual([1, 2, 3, 4]);
    expect(subscribed).toEqual([false, true]);
    client.close();
  });

  it("announces a gap, then goes on from the position it gives", () => {
    const { fake, client, serverSays, pub, topicFrames, clock } = setup();
    const room = subscribe(client, "room");
    const events: unknown[] = [];
    room.on("gap", (e) => events.push(["gap", e]));
    room.on("message", (_, { offset }) => events.push(offset));
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "e1", offset: 3, recovered: false });
    serverSays({ t: "gap", topic: "room", reason: "trimmed", epoch: "e1", offset: 40 });
    pub("room", 39, "behind the gap");
    pub("room", 41, "after");
    // an epoch change
    serverSays({ t: "gap", topic: "room", reason: "epoch", epoch: "e2", offset: 0 });
    pub("room", 1, "new", "e2");
    pub("room", 42, "old epoch", "e1");
    expect(events).toEqual([["gap", { reason: "trimmed" }], 41, ["gap", { reason: "epoch" }], 1]);
    fake.last().serverClose(1006, "");
    clock.advance(1_000);
    fake.last().open();
    expect(topicFrames()).toEqual([{ t: "sub", topic: "room", epoch: "e2", offset: 1 }]);
    client.close();
  });

  it("a topic never published: subscribed at epoch \"\" 0, and its first epoch continues it", () => {
    const { fake, client, serverSays, pub } = setup();
    const room = subscribe(client, "room");
    const got: unknown[] = [];
    room.on("message", (data) => got.push(data));
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "", offset: 0, recovered: false });
    pub("room", 1, "first", "abc");
    pub("room", 2, "second", "abc");
    expect(got).toEqual(["first", "second"]);
    client.close();
  });

  it("unsubscribe() ends a handle; the wire subscription ends with the last handle", async () => {
    const { fake, client, topicFrames, serverSays, pub } = setup();
    fake.last().open();
    const a = subscribe(client, "room");
    const b = subscribe(client, "room");
    const got: unknown[] = [];
    a.on("message", (d) => got.push(["a", d]));
    b.on("message", (d) => got.push(["b", d]));
    serverSays({ t: "subscribed", topic: "room", epoch: "e", offset: 0, recovered: false });
    a.unsubscribe();
    await flush();
    expect(topicFrames()).toEqual([{ t: "sub", topic: "room" }]);
    pub("room", 1, 1, "e");
    b.unsubscribe();
    b.unsubscribe(); // twice is once
    await flush();
    expect(topicFrames()).toEqual([
      { t: "sub", topic: "room" },
      { t: "unsub", topic: "room" },
    ]);
    pub("room", 2, 2, "e");
    expect(got).toEqual([["b", 1]]);
    // unsubscribe and subscribe again in one go (StrictMode's double mount): one wire subscription, kept
    const c = subscribe(client, "x");
    c.unsubscribe();
    const d = subscribe(client, "x");
    await flush();
    expect(topicFrames().filter((f) => f["topic"] === "x")).toEqual([{ t: "sub", topic: "x" }]);
    d.unsubscribe();
    client.close();
  });

  it("FORBIDDEN: an error on every handle, the subscription ends, iteration throws; it is not sent again", async () => {
    const { fake, client, clock, serverSays, topicFrames } = setup();
    const room = subscribe(client, "admin");
    const errors: LifelineError[] = [];
    room.on("error", (e) => errors.push(e));
    const reading = (async () => {
      for await (const _ of room) void _;
    })();
    fake.last().open();
    serverSays({ t: "refused", topic: "admin", code: "FORBIDDEN" });
    expect(errors.map((e) => [isLifelineError(e), e.code])).toEqual([[true, "FORBIDDEN"]]);
    await expect(reading).rejects.toMatchObject({ code: "FORBIDDEN" });
    fake.last().serverClose(1006, "");
    clock.advance(1_000);
    fake.last().open();
    expect(topicFrames()).toEqual([]);
    client.close();
  });

  it("UNAVAILABLE: an error SUBSCRIBE_FAILED (to the client when the handle has no error handler); the subscription ends", () => {
    const { fake, client, clock, serverSays, topicFrames } = setup();
    subscribe(client, "t");
    const clientErrors: unknown[] = [];
    client.on("error", (e) => clientErrors.push(e.code));
    fake.last().open();
    serverSays({ t: "refused", topic: "t", code: "UNAVAILABLE" });
    expect(clientErrors).toEqual(["SUBSCRIBE_FAILED"]);
    fake.last().serverClose(1006, "");
    clock.advance(1_000);
    fake.last().open();
    expect(topicFrames()).toEqual([]);
    client.close();
  });

  it("validates with its schema: a publication it rejects is an INVALID_MESSAGE error, the line and the order stay", async () => {
    const { fake, client, serverSays, pub } = setup();
    const Chat = z.object({ text: z.string() });
    const room = subscribe(client, "room", { schema: Chat });
    expectTypeOf(room.on).parameter(1).toBeFunction();
    const got: string[] = [];
    const errors: string[] = [];
    room.on("message", (msg) => {
      expectTypeOf(msg).toEqualTypeOf<{ text: string }>();
      got.push(msg.text);
    });
    room.on("error", (e) => errors.push(e.code));
    const invalid: unknown[] = [];
    client.on("invalid", ({ data }) => invalid.push(data));
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "e", offset: 0, recovered: false });
    pub("room", 1, { text: "a" }, "e");
    pub("room", 2, { text: 2 }, "e");
    pub("room", 3, { text: "c" }, "e");
    await flush();
    expect(got).toEqual(["a", "c"]);
    expect(errors).toEqual(["INVALID_MESSAGE"]);
    expect(invalid).toEqual([{ text: 2 }]);
    expect(client.state).toBe("open");
    client.close();
  });

  it("keeps the order with an async schema", async () => {
    const { fake, client, serverSays, pub } = setup();
    let delay = 3;
    const Slow = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: async (value: unknown) => {
          for (let i = 0; i < delay; i++) await flush();
          delay = Math.max(0, delay - 1);
          return { value: value as number };
        },
      },
    };
    const room = subscribe(client, "room", { schema: Slow });
    const got: number[] = [];
    room.on("message", (n) => got.push(n));
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "e", offset: 0, recovered: false });
    for (let n = 1; n <= 5; n++) pub("room", n, n, "e");
    for (let i = 0; i < 50; i++) await flush();
    expect(got).toEqual([1, 2, 3, 4, 5]);
    client.close();
  });

  it("iterates over publications from its first next(), buffered until read; ends at unsubscribe()", async () => {
    const { fake, client, serverSays, pub } = setup();
    const room = subscribe(client, "room");
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "e", offset: 0, recovered: false });
    const it = room[Symbol.asyncIterator]();
    const first = it.next(); // iteration starts here (as for await does at once)
    pub("room", 1, "a", "e");
    pub("room", 2, "b", "e");
    expect(await first).toEqual({ value: "a", done: false });
    expect(await it.next()).toEqual({ value: "b", done: false });
    const third = it.next();
    pub("room", 3, "c", "e");
    expect(await third).toEqual({ value: "c", done: false });
    const fourth = it.next();
    room.unsubscribe();
    expect(await fourth).toEqual({ value: undefined, done: true });
    client.close();
  });

  it("a handler that throws does not stop the others: HANDLER_ERROR on the client", () => {
    const { fake, client, serverSays, pub } = setup();
    const room = subscribe(client, "room");
    const got: unknown[] = [];
    room.on("message", () => {
      throw new Error("boom");
    });
    room.on("message", (d) => got.push(d));
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    fake.last().open();
    serverSays({ t: "subscribed", topic: "room", epoch: "e", offset: 0, recovered: false });
    pub("room", 1, "x", "e");
    expect(got).toEqual(["x"]);
    expect(errors).toEqual(["HANDLER_ERROR"]);
    client.close();
  });

  it("refuses a client without atLeastOnce() or a bad topic with INVALID_OPTIONS; takes one with share (share-topics.test.ts)", () => {
    const fake = createFakeWebSocket();
    const plain = createClient({ url: "ws://test/ws", WebSocket: fake.WebSocket, autoConnect: false });
    expect(() => subscribe(plain, "room")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS", message: expect.stringContaining("atLeastOnce()") }));
    const shared = createClient({ url: "ws://test/ws", WebSocket: fake.WebSocket, autoConnect: false, delivery: atLeastOnce(), share: acrossTabs({ name: "t" }) });
    expect(subscribe(shared, "room").topic).toBe("room");
    const { client } = setup();
    expect(() => subscribe(client, "")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => subscribe(client, "x".repeat(257))).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    client.close();
  });
});
