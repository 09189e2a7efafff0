// A node that missed the takeover hint (a Pub/Sub message lost while its
// subscriber reconnected) learns it from its next fenced write: whatever the
// write (record, acknowledge), the old connection is closed 4409, never
// told `reset` (which would make the client start a new session and hand
// its messages over again under new seqs).
import { describe, expect, it } from "vitest";
import { CLOSE, memoryStore } from "../src/index.js";
import type { Store } from "../src/index.js";
import { ackOf, lifelinePerTest, msgOf, rawClient } from "./helpers.js";

/** The memory store, deaf to takeover events. */
function withoutTakeoverHints(store: Store): Store {
  return {
    subscribe: (node, listener) => store.subscribe(node, (event) => event.type !== "takeover" && listener(event)),
    attach: (...a) => store.attach(...a),
    record: (...a) => store.record(...a),
    append: (...a) => store.append(...a),
    acknowledge: (...a) => store.acknowledge(...a),
    read: (...a) => store.read(...a),
    detach: (...a) => store.detach(...a),
    drop: (...a) => store.drop(...a),
    sessionsOf: (...a) => store.sessionsOf(...a),
    inspect: (...a) => store.inspect(...a),
    close: () => store.close(),
  };
}

const start = lifelinePerTest();

describe("fenced out without the hint", () => {
  it("an acknowledge after another node took the session closes 4409", async () => {
    const store = memoryStore();
    const h = await start({ store: withoutTakeoverHints(store) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "f", ack: 0 });
    await c.next(ackOf(0));
    await h.lifeline.send("f", "one");
    await c.next(msgOf(1));
    await store.attach("f", "another-node", false);
    c.send({ t: "ack", seq: 1 });
    expect((await c.closed).code).toBe(CLOSE.TAKEN_OVER);
    expect(c.of("reset")).toEqual([]);
  });

  it("a message handled after another node took the session: its record is fenced, 4409, not acknowledged", async () => {
    const store = memoryStore();
    const seen: number[] = [];
    const h = await start({ store: withoutTakeoverHints(store), onMessage: ({ seq }) => void seen.push(seq) });
    const c = await rawClient(h.url);
    c.send({ t: "hello", session: "g", ack: 0 });
    await c.next(ackOf(0));
    await store.attach("g", "another-node", false);
    c.send({ t: "msg", seq: 1, data: 1 });
    expect((await c.closed).code).toBe(CLOSE.TAKEN_OVER);
    expect(c.of("reset")).toEqual([]);
    expect(c.of("ack").map((f) => f.seq)).toEqual([0]);
    expect(seen).toEqual([1]);
  });
});
