// durableObjectStore() on the shared Store contract, over an in-memory
// stand-in for `ctx.storage` (sorted keys, batched deletes of at most 128,
// an alarm that calls sweep() as workerd's would). workerd itself runs the
// store in runtimes/durable-object.test.ts.
import { describe, expect, it } from "vitest";
import { durableObjectStore } from "../src/cloudflare.js";
import type { DurableObjectStorageLike, DurableObjectStore } from "../src/cloudflare.js";
import { storeConformance } from "./store-conformance.js";

class FakeStorage implements DurableObjectStorageLike {
  readonly data = new Map<string, unknown>();
  alarm: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  onAlarm: () => Promise<void> = async () => {};

  async get<T>(key: string): Promise<T | undefined> {
    // a copy, as storage hands out structured clones
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async put<T>(entries: Record<string, T>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) this.data.set(key, structuredClone(value));
  }
  async delete(keys: string[]): Promise<number> {
    if (keys.length > 128) throw new RangeError("delete takes at most 128 keys");
    return keys.filter((key) => this.data.delete(key)).length;
  }
  async list<T>(options: { prefix?: string; start?: string; limit?: number } = {}): Promise<Map<string, T>> {
    const keys = [...this.data.keys()].filter((k) => k.startsWith(options.prefix ?? "") && (options.start === undefined || k >= options.start)).sort();
    return new Map(keys.slice(0, options.limit ?? Infinity).map((k) => [k, structuredClone(this.data.get(k)) as T]));
  }
  async getAlarm(): Promise<number | null> {
    return this.alarm;
  }
  async setAlarm(at: number): Promise<void> {
    this.alarm = at;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.alarm = null;
      void this.onAlarm();
    }, Math.max(0, at - Date.now()));
  }
  stop(): void {
    clearTimeout(this.#timer);
  }
}

const storages = new WeakMap<DurableObjectStore, FakeStorage>();

function make(options?: Parameters<typeof durableObjectStore>[1]): DurableObjectStore {
  const storage = new FakeStorage();
  const store = durableObjectStore(storage, options);
  storage.onAlarm = () => store.sweep();
  const close = store.close.bind(store);
  store.close = async () => {
    storage.stop();
    await close();
  };
  storages.set(store, storage);
  return store;
}

storeConformance("durableObjectStore", {
  make,
  count: async (store) => [...(storages.get(store as DurableObjectStore)?.data.keys() ?? [])].filter((k) => k.startsWith("s:")).length,
});

describe("durableObjectStore", () => {
  it("keeps no entry keys beyond the replay buffer, and none of a session that is gone", async () => {
    const store = make({ replay: { max: 500 } });
    const storage = storages.get(store)!;
    const a = await store.attach("a:b", "n", true);
    await store.attach("a", "n", true);
    for (let i = 0; i < 300; i++) await store.append("a:b", `"data":${i}`);
    await store.append("a", '"data":"x"');
    // the ids share a prefix; their keys do not
    expect(await store.read("a", 0, 10)).toEqual([{ seq: 1, body: '"data":"x"' }]);
    await store.acknowledge("a:b", (a as { fence: number }).fence, 250);
    expect([...storage.data.keys()].filter((k) => k.startsWith("e:3:a:b:"))).toHaveLength(50);
    await store.drop("a:b", (a as { fence: number }).fence);
    expect([...storage.data.keys()].filter((k) => k.includes("a:b"))).toEqual([]);
    await store.close();
  });
});
