// The memory store on its own: expiry sessionTtl after the last detach (fake
// clock), fencing, tombstones, owner events, bounded replay buffer.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { memoryStore } from "../src/index.js";
import type { StoreEvent } from "../src/index.js";

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe("memoryStore", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps a session sessionTtl after its last detach, then forgets it (one timer, unref'd)", async () => {
    const store = memoryStore({ sessionTtl: 1_000 });
    const a = await store.attach("a", "n1", true);
    if (a.status !== "attached") throw new Error(a.status);
    expect(a).toMatchObject({ created: true, fence: 1, inbound: 0, sent: 0, acked: 0 });
    expect(vi.getTimerCount()).toBe(0); // attached: no clock running
    await store.detach("a", a.fence);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(store.size).toBe(1);
    expect((await store.inspect("a"))?.attached).toBe(false);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
    expect(await store.attach("a", "n1", false)).toEqual({ status: "absent" });
    expect(vi.getTimerCount()).toBe(0);
    await store.close();
  });

  it("a reattach stops the clock; the next detach starts it over", async () => {
    const store = memoryStore({ sessionTtl: 1_000 });
    const first = await store.attach("s", "n1", true);
    await store.detach("s", (first as { fence: number }).fence);
    vi.advanceTimersByTime(800);
    const second = await store.attach("s", "n1", false);
    expect(second).toMatchObject({ status: "attached", created: false, fence: 2 });
    vi.advanceTimersByTime(5_000);
    expect(store.size).toBe(1);
    await store.detach("s", 2);
    vi.advanceTimersByTime(999);
    expect(store.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
  });

  it("expires many sessions in detach order with a single timer", async () => {
    const store = memoryStore({ sessionTtl: 100 });
    for (let i = 0; i < 50; i++) {
      const r = await store.attach(`s${i}`, "n", true);
      await store.detach(`s${i}`, (r as { fence: number }).fence);
      vi.advanceTimersByTime(10);
      expect(vi.getTimerCount()).toBe(1);
    }
    // s0..s40 are past 100 ms since their detach; the rest are not yet
    expect(store.size).toBe(9);
    vi.advanceTimersByTime(100);
    expect(store.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fences: a write with an older fence changes nothing", async () => {
    const store = memoryStore();
    const events: StoreEvent[] = [];
    await store.subscribe("n1", (e) => events.push(e));
    const old = (await store.attach("s", "n1", true)) as { fence: number };
    const young = (await store.attach("s", "n2", true)) as { fence: number };
    expect(young.fence).toBeGreaterThan(old.fence);
    await flush();
    // the old owner is told, with the new fence
    expect(events).toEqual([{ type: "takeover", session: "s", fence: young.fence }]);
    expect(await store.record("s", old.fence, 5)).toBe("fenced");
    expect(await store.acknowledge("s", old.fence, 0)).toBe("fenced");
    expect(await store.detach("s", old.fence)).toBe("fenced");
    expect(await store.drop("s", old.fence)).toBe("fenced");
    expect(await store.inspect("s")).toMatchObject({ inbound: 0, attached: true, owner: "n2" });
    expect(await store.record("s", young.fence, 5)).toBe("ok");
    expect(await store.record("s", young.fence, 3)).toBe("ok");
    expect((await store.inspect("s"))?.inbound).toBe(5);
    expect(await store.record("gone", 1, 1)).toBe("gone");
  });

  it("appends with growing seq, tells the owner, trims on acknowledge, reads above a mark", async () => {
    const store = memoryStore();
    const events: StoreEvent[] = [];
    await store.subscribe("n1", (e) => events.push(e));
    const { fence } = (await store.attach("s", "n1", true)) as { fence: number };
    for (let i = 1; i <= 4; i++) expect(await store.append("s", `"data":${i}`)).toEqual({ status: "stored", seq: i });
    await flush();
    expect(events.map((e) => e.type === "append" && e.seq)).toEqual([1, 2, 3, 4]);
    expect(await store.read("s", 1, 2)).toEqual([
      { seq: 2, body: '"data":2' },
      { seq: 3, body: '"data":3' },
    ]);
    expect(await store.acknowledge("s", fence, 2)).toBe("ok");
    expect(await store.read("s", 0, 10)).toEqual([
      { seq: 3, body: '"data":3' },
      { seq: 4, body: '"data":4' },
    ]);
    // an ack above sent is clamped
    expect(await store.acknowledge("s", fence, 99)).toBe("ok");
    expect(await store.inspect("s")).toMatchObject({ acked: 4, sent: 4, buffered: 0 });
    expect(await store.append("nobody", '"data":0')).toEqual({ status: "absent" });
    expect(await store.read("nobody", 0, 1)).toBeUndefined();
  });

  it("overflow makes a tombstone that answers one attach, tells the attached owner, and expires", async () => {
    const store = memoryStore({ sessionTtl: 500, replay: { max: 2 } });
    const events: StoreEvent[] = [];
    await store.subscribe("n1", (e) => events.push(e));
    await store.attach("s", "n1", true);
    await store.append("s", '"data":1');
    await store.append("s", '"data":2');
    expect(await store.append("s", '"data":3')).toEqual({ status: "overflow" });
    await flush();
    expect(events.at(-1)).toEqual({ type: "reset", session: "s", reason: "overflow" });
    expect(await store.inspect("s")).toMatchObject({ reset: "overflow", buffered: 0, attached: false });
    expect(await store.attach("s", "n1", true)).toEqual({ status: "tombstone", reason: "overflow" });
    expect(await store.inspect("s")).toBeUndefined();

    await store.attach("t", "n1", true);
    await store.append("t", "1");
    await store.append("t", "2");
    await store.append("t", "3");
    vi.advanceTimersByTime(500);
    expect(store.size).toBe(0);
  });

  it("validates its options", () => {
    expect(() => memoryStore({ sessionTtl: 0 })).toThrow("sessionTtl must be a positive integer, got 0");
    expect(() => memoryStore({ replay: { max: 1.5 } })).toThrow("replay.max must be a positive integer, got 1.5");
  });

  it("close() clears its timer and its sessions", async () => {
    const store = memoryStore();
    const r = (await store.attach("s", "n", true)) as { fence: number };
    await store.detach("s", r.fence);
    expect(vi.getTimerCount()).toBe(1);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(store.size).toBe(0);
  });
});
