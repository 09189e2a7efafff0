// The memory store: the shared Store contract (store-conformance.ts), then
// what is its own: exact expiry on a fake clock with one unref'd timer,
// fences counting from 1, events in a microtask, size and clear().
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { memoryStore } from "../src/index.js";
import type { MemoryStore, StoreEvent } from "../src/index.js";
import { storeConformance } from "./store-conformance.js";

storeConformance("memoryStore", {
  make: (options) => memoryStore(options),
  count: async (store) => (store as MemoryStore).size,
  lose: async (store) => (store as MemoryStore).clear(),
});

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

  it("fences count from 1; events come in a microtask, never inside the method's own call", async () => {
    const store = memoryStore();
    const events: StoreEvent[] = [];
    await store.subscribe("n1", (e) => events.push(e));
    expect(await store.attach("s", "n1", true)).toMatchObject({ fence: 1 });
    const taking = store.attach("s", "n2", true);
    expect(events).toEqual([]);
    expect(await taking).toMatchObject({ fence: 2 });
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(events).toEqual([{ type: "takeover", session: "s", fence: 2 }]);
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
