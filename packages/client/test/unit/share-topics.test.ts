// subscribe() on clients with acrossTabs() and atLeastOnce(): the leader tab
// holds one server subscription per topic for every tab (the test server's
// protocol-v2 end, @lifeline/server with a memory store, behind the fake
// sockets), each tab's handles get every publication once and in order,
// answers and refusals reach the tabs that subscribed, unsubscribe() in one
// tab leaves the others' subscription alone, and a takeover resumes from the
// last offset delivered with publications made during it arriving once.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { LifelineError } from "../../src/index.js";
import { subscribe } from "../../src/topics/index.js";
import type { Subscription } from "../../src/topics/index.js";
import type { FakeSocket } from "../../src/testing.js";
import { session } from "./share-harness.js";

/** What one handle heard, in order: publications as [data, offset], and its other events. */
function listen(handle: Subscription<any>) {
  const got: Array<[unknown, number]> = [];
  const events: unknown[] = [];
  handle.on("message", (data, { offset }) => got.push([data, offset]));
  handle.on("subscribed", (e) => events.push(["subscribed", e.recovered]));
  handle.on("gap", (e) => events.push(["gap", e.reason]));
  handle.on("error", (e: LifelineError) => events.push(["error", e.code]));
  return { got, events, offsets: () => got.map(([, offset]) => offset) };
}

/** The topic frames (sub/unsub) a socket carried to the server. */
const topicFrames = (socket: FakeSocket) =>
  socket.sent.map((f) => JSON.parse(String(f)) as Record<string, unknown>).filter((f) => f["t"] === "sub" || f["t"] === "unsub");

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function topicsSession(canSubscribe?: (who: { topic: string }) => boolean) {
  const shared = session({}, canSubscribe ? { canSubscribe } : undefined);
  /** Publishes each of `data` in order, then lets the frames reach every tab. */
  const publish = async (topic: string, ...data: unknown[]) => {
    for (const d of data) await shared.delivery.server.publish(topic, d);
    await shared.pump();
  };
  return { ...shared, publish };
}

describe("topics with acrossTabs(): one subscription for every tab", () => {
  it("the server sees one sub per topic; every tab that subscribed gets each publication once, in order, with its offset", async () => {
    const { fake, up, pump, publish, closeAll } = topicsSession();
    const [a, b, c] = await up(3);
    const inB = listen(subscribe(b.client, "room"));
    const inC = listen(subscribe(c.client, "room"));
    await pump();
    expect(fake.sockets).toHaveLength(1);
    expect(topicFrames(fake.last())).toEqual([{ t: "sub", topic: "room" }]);
    expect([inB.events, inC.events]).toEqual([[["subscribed", false]], [["subscribed", false]]]);
    await publish("room", "x", "y", "z");
    for (const heard of [inB, inC]) expect(heard.got).toEqual([["x", 1], ["y", 2], ["z", 3]]);
    // the leader joins too: answered in the leader tab, from the head, nothing more to the server
    const inA = listen(subscribe(a.client, "room"));
    await pump();
    await publish("room", "w");
    expect(inA.events).toEqual([["subscribed", false]]);
    expect(inA.got).toEqual([["w", 4]]);
    expect(inB.offsets()).toEqual([1, 2, 3, 4]);
    expect(topicFrames(fake.last())).toHaveLength(1);
    closeAll();
  });

  it("a tab that subscribes later starts live, answered by the leader; unsubscribe() in one tab leaves the others subscribed; the last one sends unsub", async () => {
    const { fake, up, pump, publish, closeAll } = topicsSession();
    const [, b, c] = await up(3);
    const roomB = subscribe(b.client, "room");
    const inB = listen(roomB);
    await pump();
    await publish("room", 1, 2);
    const roomC = subscribe(c.client, "room");
    const inC = listen(roomC);
    await pump();
    expect(inC.events).toEqual([["subscribed", false]]);
    await publish("room", 3);
    expect(inC.got).toEqual([[3, 3]]);
    roomB.unsubscribe();
    await pump();
    await publish("room", 4);
    expect(inB.offsets()).toEqual([1, 2, 3]);
    expect(inC.offsets()).toEqual([3, 4]);
    expect(topicFrames(fake.last())).toEqual([{ t: "sub", topic: "room" }]);
    roomC.unsubscribe();
    await pump();
    expect(topicFrames(fake.last())).toEqual([{ t: "sub", topic: "room" }, { t: "unsub", topic: "room" }]);
    await publish("room", 5);
    expect(inC.offsets()).toEqual([3, 4]);
    closeAll();
  });

  it("each tab validates with its own schema: INVALID_MESSAGE in the tab whose schema rejects it, the others go on", async () => {
    const { up, pump, publish, closeAll } = topicsSession();
    const [, b, c] = await up(3);
    const inB = listen(subscribe(b.client, "room", { schema: z.number() }));
    const inC = listen(subscribe(c.client, "room", { schema: z.string() }));
    await pump();
    await publish("room", "text", 2);
    expect(inB.got).toEqual([[2, 2]]);
    expect(inB.events).toEqual([["subscribed", false], ["error", "INVALID_MESSAGE"]]);
    expect(inC.got).toEqual([["text", 1]]);
    expect(inC.events).toEqual([["subscribed", false], ["error", "INVALID_MESSAGE"]]);
    expect([b.client.state, c.client.state]).toEqual(["open", "open"]);
    closeAll();
  });

  it("FORBIDDEN reaches every tab that subscribed to the refused topic, and only those", async () => {
    const { up, pump, publish, closeAll } = topicsSession(({ topic }) => topic !== "secret");
    const [a, b, c] = await up(3);
    const secretB = listen(subscribe(b.client, "secret"));
    const secretC = listen(subscribe(c.client, "secret"));
    const roomA = listen(subscribe(a.client, "room"));
    await pump();
    expect([secretB.events, secretC.events]).toEqual([[["error", "FORBIDDEN"]], [["error", "FORBIDDEN"]]]);
    expect(roomA.events).toEqual([["subscribed", false]]);
    await publish("room", 1);
    expect(roomA.got).toEqual([[1, 1]]);
    closeAll();
  });

  it("a follower's own reconnect() while publications stream: it resumes from its position, the other tabs' subscription goes on untouched", async () => {
    const { fake, up, pump, publish, delivery, closeAll } = topicsSession();
    const [, b, c] = await up(3);
    const inB = listen(subscribe(b.client, "room"));
    const inC = listen(subscribe(c.client, "room"));
    await pump();
    await publish("room", 1, 2);
    c.client.reconnect();
    // published while c's relay is down
    await delivery.server.publish("room", 3);
    await pump();
    await publish("room", 4);
    expect(inB.offsets()).toEqual([1, 2, 3, 4]);
    expect(inC.offsets()).toEqual([1, 2, 3, 4]);
    expect(c.client.state).toBe("open");
    expect(fake.sockets).toHaveLength(1);
    expect(inB.events).toEqual([["subscribed", false]]);
    closeAll();
  });

  it("a crashed leader mid-stream: the new leader resubscribes from the last offset delivered; what was published during the takeover arrives once, in order, in every tab", async () => {
    const { fake, up, pump, publish, crash, delivery, closeAll } = topicsSession();
    const [a, b, c] = await up(3);
    const heard = [a, b, c].map((tab) => listen(subscribe(tab.client, "room")));
    await pump();
    await publish("room", ...range(1, 3));
    // the leader dies; publications go on while no tab holds the line
    await crash(a);
    for (const n of range(4, 6)) await delivery.server.publish("room", n);
    expect(b.roles).toEqual(["follower", "leader"]);
    fake.last().open();
    await pump();
    await publish("room", ...range(7, 9));
    // the new leader asked once, from where the tabs were
    expect(topicFrames(fake.last())).toEqual([{ t: "sub", topic: "room", epoch: expect.any(String), offset: 3 }]);
    for (const [i, tab] of [b, c].entries()) {
      expect(heard[i + 1]!.offsets(), `tab ${"bc"[i]}`).toEqual(range(1, 9));
      expect(heard[i + 1]!.events).toEqual([["subscribed", false], ["subscribed", true]]);
      expect(tab.client.state).toBe("open");
    }
    expect(heard[0]!.offsets()).toEqual(range(1, 3));
    closeAll();
  });

  it("a takeover while publications stream and the channel is slow: each tab resumes from its own position, none gets one twice or misses one", async () => {
    const { fake, up, pump, publish, crash, delivery, origin, closeAll } = topicsSession();
    const [a, b, c] = await up(3);
    const heard = [b, c].map((tab) => listen(subscribe(tab.client, "room")));
    await pump();
    await publish("room", ...range(1, 4));
    // the last publications the old leader posts are slow to reach the tabs: the new leader's news may overtake them
    origin.timing.slow = true;
    await delivery.server.publish("room", 5);
    await delivery.server.publish("room", 6);
    await crash(a);
    for (const n of range(7, 8)) await delivery.server.publish("room", n);
    fake.last().open();
    await pump();
    // published while the new leader's line resubscribes
    const live = Promise.all(range(9, 12).map((n) => delivery.server.publish("room", n)));
    await pump();
    await live;
    await pump();
    await publish("room", 13);
    // b (the new leader) had 4, c had 6 (the old leader's last posts reached c only): one sub each, each answered in its own tab
    expect(topicFrames(fake.last()).map((f) => f["offset"])).toEqual([4, 6]);
    for (const h of heard) expect(h.events).toEqual([["subscribed", false], ["subscribed", true]]);
    for (const [i, h] of heard.entries()) expect(h.offsets(), `tab ${"bc"[i]}`).toEqual(range(1, 13));
    closeAll();
  });
});
