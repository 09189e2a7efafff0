// Two servers sharing one store, as two nodes of a fleet would share Redis:
// send() from either node reaches the session where it is connected, and a
// session opened on the second node takes over from the first (fencing).
import { afterEach, describe, expect, it } from "vitest";
import { memoryStore } from "../src/index.js";
import type { MemoryStore } from "../src/index.js";
import { ackOf, msgOf, rawClient, roundTrip, startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";

let nodes: Harness[] = [];
let store: MemoryStore | undefined;
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  await store?.close();
  store = undefined;
});

describe("two nodes, one store", () => {
  it("send() on one node reaches the client connected to the other, in order", async () => {
    store = memoryStore();
    const a = await startLifeline({ store, node: "a" });
    const b = await startLifeline({ store, node: "b" });
    nodes = [a, b];
    const c = await rawClient(a.url);
    c.send({ t: "hello", session: "roaming", ack: 0 });
    await c.next(ackOf(0));
    for (let n = 1; n <= 5; n++) await (n % 2 ? b : a).lifeline.send("roaming", n);
    await c.next(msgOf(5));
    expect(c.of("msg").map((f) => [f.seq, f.data])).toEqual([1, 2, 3, 4, 5].map((n) => [n, n]));
    expect(await store.inspect("roaming")).toMatchObject({ owner: "a", sent: 5 });
    await c.close();
  });

  it("a hello on the second node takes the session over: the first connection gets 4409 and is fenced out", async () => {
    store = memoryStore();
    const seen: Array<[string, number]> = [];
    const a = await startLifeline({ store, node: "a", onMessage: ({ seq }) => void seen.push(["a", seq]) });
    const b = await startLifeline({ store, node: "b", onMessage: ({ seq }) => void seen.push(["b", seq]) });
    nodes = [a, b];
    const first = await rawClient(a.url);
    first.send({ t: "hello", session: "moving", ack: 0 });
    first.send({ t: "msg", seq: 1, data: 1 });
    await first.next(ackOf(1));
    await a.lifeline.send("moving", "x");
    await first.next(msgOf(1));

    const second = await rawClient(b.url);
    second.send({ t: "hello", session: "moving", ack: 1 });
    await second.next(ackOf(1));
    expect(await first.closed).toEqual({ code: 4409, reason: "session taken over" });
    second.send({ t: "msg", seq: 1, data: 1 }); // a resend: dropped by node b too
    second.send({ t: "msg", seq: 2, data: 2 });
    await second.next(ackOf(2));
    await a.lifeline.send("moving", "y"); // sent on node a, written by node b
    await second.next(msgOf(2));
    await roundTrip(second);
    expect(seen).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(second.of("msg").map((f) => f.data)).toEqual(["y"]);
    expect(await store.inspect("moving")).toMatchObject({ owner: "b", fence: 2, inbound: 2, acked: 1 });
    await second.close();
  });
});
