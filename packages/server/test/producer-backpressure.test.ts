// Backpressure for producers: send(…, { waitForRoom }) waits while a
// connected client's replay buffer is full instead of overflowing it, on one
// node and with the producer on the other node of a fleet sharing a real
// Redis. A client that stops acknowledging makes the producer's send answer
// "full" (session intact); a client that is away still overflows.
import { describe, expect, it } from "vitest";
import { RoomWaiters } from "../src/room.js";
import { deploymentsPerTest } from "./deployments.js";
import { ackOf, msgOf, rawClient, roundTrip } from "./helpers.js";
import type { Frame, Harness, RawClient } from "./helpers.js";

const MAX = 10;

/** The node the client is on, and the node the producer sends from (the same one, or another sharing Redis). */
const { pairs, skipped, start } = deploymentsPerTest(() => ({}), { replay: { max: MAX } }, "producer on another node sharing Redis");

/** A raw client of `user` on `session` that acknowledges every message as it arrives (unless told to stop). */
async function reader(node: Harness, user: string, session: string): Promise<RawClient & { acking: boolean }> {
  const c = Object.assign(await rawClient(`${node.url}/?user=${user}`), { acking: true });
  c.ws.on("message", (raw) => {
    const text = String(raw);
    if (text === "pong" || !c.acking) return;
    const frame = JSON.parse(text) as Frame;
    if (frame.t === "msg") c.send({ t: "ack", seq: frame.seq });
  });
  c.send({ t: "hello", session, ack: 0 });
  await c.next(ackOf(0));
  return c;
}

for (const [name, deploy] of Object.entries(pairs)) {
  describe.skipIf(skipped(name))(`producer backpressure, ${name}`, () => {
    it(`waitForRoom: 300 sends into a buffer of ${MAX} for a connected, acknowledging client, all stored, each delivered once in order`, async () => {
      const [clientNode, producer] = await deploy();
      const c = await reader(clientNode, "alice", "p1");
      for (let n = 1; n <= 300; n++) expect(await producer.lifeline.send("p1", { n }, { waitForRoom: 10_000 })).toEqual({ ok: true, seq: n });
      await c.next(msgOf(300), 0, 10_000);
      expect(c.of("msg").map((f) => (f.data as { n: number }).n)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(c.of("reset")).toEqual([]);
      await c.close();
    });

    it("300 sends at once: without waitForRoom they overflow the client; with it each is stored and delivered once", async () => {
      const [clientNode, producer] = await deploy();
      const c = await reader(clientNode, "alice", "p2");
      const burst = (options?: { waitForRoom: number }) =>
        Promise.all(Array.from({ length: 300 }, (_, i) => producer.lifeline.send("p2", { n: i + 1 }, options)));
      expect(await burst()).toContainEqual({ ok: false, reason: "overflow" });
      await c.next((f) => typeof f === "object" && f.t === "reset");
      await c.close();

      const d = await reader(clientNode, "alice", "p2b");
      const burstTo = await Promise.all(
        Array.from({ length: 300 }, (_, i) => producer.lifeline.send("p2b", { n: i + 1 }, { waitForRoom: 10_000 })),
      );
      expect(burstTo.every((r) => r.ok)).toBe(true);
      await d.next(msgOf(300), 0, 10_000);
      // stored in the order they found room: each once
      expect(new Set(d.of("msg").map((f) => (f.data as { n: number }).n)).size).toBe(300);
      expect(d.of("msg").map((f) => f.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(d.of("reset")).toEqual([]);
      await d.close();
    });

    it('a connected client that stops acknowledging: the send answers "full" after the wait, the session is intact, room comes with the next ack', async () => {
      const [clientNode, producer] = await deploy();
      const c = await reader(clientNode, "alice", "p3");
      c.acking = false;
      for (let n = 1; n <= MAX; n++) await producer.lifeline.send("p3", { n });
      const start = Date.now();
      expect(await producer.lifeline.send("p3", { n: 11 }, { waitForRoom: 200 })).toEqual({ ok: false, reason: "full" });
      expect(Date.now() - start).toBeGreaterThanOrEqual(190);
      expect(await producer.lifeline.store.inspect("p3")).toMatchObject({ sent: MAX, reset: undefined, attached: true });
      await c.next(msgOf(MAX));
      // the client acknowledges while a send waits: it is stored
      const waiting = producer.lifeline.send("p3", { n: 11 }, { waitForRoom: 10_000 });
      c.send({ t: "ack", seq: 5 });
      expect(await waiting).toEqual({ ok: true, seq: MAX + 1 });
      await c.next(msgOf(MAX + 1));
      await roundTrip(c);
      expect(c.of("reset")).toEqual([]);
      await c.close();
    });

    it("a client that is away still overflows at once: its buffer is all it has", async () => {
      const [clientNode, producer] = await deploy();
      const c = await reader(clientNode, "alice", "p4");
      c.acking = false;
      await c.close();
      for (let n = 1; n <= MAX; n++) await producer.lifeline.send("p4", { n });
      const start = Date.now();
      expect(await producer.lifeline.send("p4", { n: 11 }, { waitForRoom: 5_000 })).toEqual({ ok: false, reason: "overflow" });
      expect(Date.now() - start).toBeLessThan(2_000);
      const back = await rawClient(`${clientNode.url}/?user=alice`);
      back.send({ t: "hello", session: "p4", ack: 0, resume: true });
      expect(await back.next((f) => typeof f === "object" && f.t === "reset")).toEqual({ t: "reset", reason: "overflow" });
      await back.close();
    });

    it("sendToUser with waitForRoom: each of the user's sessions gets all 100 messages, in order, none reset", async () => {
      const [clientNode, producer] = await deploy();
      const one = await reader(clientNode, "bob", "b1");
      const two = await reader(producer, "bob", "b2");
      for (let n = 1; n <= 100; n++) expect(await producer.lifeline.sendToUser("bob", { n }, { waitForRoom: 10_000 })).toEqual({ ok: true, sessions: 2 });
      for (const c of [one, two]) {
        await c.next(msgOf(100), 0, 10_000);
        expect(c.of("msg").map((f) => (f.data as { n: number }).n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(c.of("reset")).toEqual([]);
        await c.close();
      }
    });
  });
}

describe("producer backpressure, options", () => {
  it("RoomWaiters: a wake releases every waiter of its session only, a timer the rest; nothing is kept after", async () => {
    const room = new RoomWaiters();
    const woken: string[] = [];
    const waits = [
      room.wait("a", 60_000).then(() => woken.push("a1")),
      room.wait("a", 60_000).then(() => woken.push("a2")),
      room.wait("b", 10).then(() => woken.push("b")),
    ];
    expect(room.size).toBe(2);
    room.wake("a");
    room.wake("nobody");
    await Promise.all(waits);
    expect(woken).toEqual(["a1", "a2", "b"]);
    expect(room.size).toBe(0);
  });

  it("validates waitForRoom", async () => {
    const h = await start();
    await expect(h.lifeline.send("s", 1, { waitForRoom: -1 })).rejects.toThrow("waitForRoom must be a number of ms >= 0, got -1");
    await expect(h.lifeline.sendToUser("u", 1, { waitForRoom: Number.NaN })).rejects.toThrow("waitForRoom must be a number of ms >= 0, got NaN");
  });
});
