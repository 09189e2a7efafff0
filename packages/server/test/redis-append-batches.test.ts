// The Redis store's appends of one tick, coalesced per session (src/redis/appends.ts):
// one script call for many `send()`s, each caller still answered as if it had
// appended alone, in order; another command for the session never overtakes
// them. Against a real redis-server; Redis's command statistics count the calls.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { AppendResult, Store, StoreEvent } from "../src/index.js";
import { redisStore } from "../src/redis.js";
import type { RedisStoreOptions } from "../src/redis.js";
import { appendResults } from "../src/redis/appends.js";
import { SKIP_REDIS } from "./redis/redis-server.js";
import { useRedis } from "./redis/shared-redis.js";
import type { RedisProcess } from "./redis/redis-server.js";

let redis: RedisProcess;
let admin: Redis;
let prefixes = 0;
const stores: Store[] = [];

function makeStore(options: Omit<RedisStoreOptions, "url" | "client"> = {}): Store {
  const store = redisStore({ url: redis.url, keyPrefix: `b${++prefixes}:`, ...options });
  stores.push(store);
  return store;
}

/** Calls of each Redis command since the last reset (scripts' inner commands included). */
async function calls(): Promise<Record<string, number>> {
  const info = await admin.info("commandstats");
  return Object.fromEntries([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, n]) => [name as string, Number(n)]));
}

const stored = (from: number, n: number): AppendResult[] => Array.from({ length: n }, (_, i) => ({ status: "stored", seq: from + i }));

describe.skipIf(SKIP_REDIS)("redisStore: appends of one tick", () => {
  useRedis(
    (shared) => ({ redis, admin } = shared),
    () => Promise.all(stores.map((store) => store.close())),
  );

  it("100 sends to one session in one tick are one script call, one RPUSH and one local event with the entries (no PUBLISH); each gets its own seq, in order", async () => {
    const store = makeStore();
    const events: StoreEvent[] = [];
    await store.subscribe("n1", (event) => events.push(event));
    await store.attach("s", "n1", true);
    await store.append("s", '"data":0'); // loads the script
    await admin.config("RESETSTAT");
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.append("s", `"data":${i + 1}`)));
    expect(results).toEqual(stored(2, 100));
    const counted = await calls();
    expect(counted["evalsha"]).toBe(1);
    expect(counted["rpush"]).toBe(1);
    // the session's owner is the node this store listens for: told in process, not over Pub/Sub
    expect(counted["publish"]).toBeUndefined();
    const entries = await store.read("s", 0, 1_000);
    expect(entries?.map((e) => e.body)).toEqual(Array.from({ length: 101 }, (_, i) => `"data":${i}`));
    // one event per call, carrying the last seq and the call's entries: the owner writes them without a read
    expect(events).toEqual([
      { type: "append", session: "s", seq: 1, entries: [{ seq: 1, body: '"data":0' }] },
      { type: "append", session: "s", seq: 101, entries: entries?.slice(1) },
    ]);
  });

  it("sends to a session owned by another node: one PUBLISH per call, carrying the last seq only", async () => {
    const owner = makeStore();
    const sender = makeStore({ keyPrefix: `b${prefixes}:` }); // the same fleet: the owner's keys
    const heard: StoreEvent[] = [];
    const sent: StoreEvent[] = [];
    await owner.subscribe("n1", (event) => heard.push(event));
    await sender.subscribe("n2", (event) => sent.push(event));
    await owner.attach("s", "n1", true);
    await sender.append("s", '"data":0'); // loads the script
    await admin.config("RESETSTAT");
    await Promise.all(Array.from({ length: 10 }, (_, i) => sender.append("s", `"data":${i + 1}`)));
    expect((await calls())["publish"]).toBe(1);
    await expect.poll(() => heard.at(-1)).toEqual({ type: "append", session: "s", seq: 11 });
    expect(heard).toEqual([
      { type: "append", session: "s", seq: 1 },
      { type: "append", session: "s", seq: 11 },
    ]);
    expect(sent).toEqual([]);
  });

  it("sends to several sessions in one tick: one call per session, each session's seqs its own", async () => {
    const store = makeStore();
    for (const s of ["a", "b", "c"]) await store.attach(s, "n1", true);
    await store.append("a", '"data":0');
    await admin.config("RESETSTAT");
    const sends = ["a", "b", "c"].flatMap((s) => Array.from({ length: 10 }, () => store.append(s, `"data":"${s}"`)));
    const results = await Promise.all(sends);
    expect(results.slice(0, 10)).toEqual(stored(2, 10));
    expect(results.slice(10, 20)).toEqual(stored(1, 10));
    expect(results.slice(20)).toEqual(stored(1, 10));
    expect((await calls())["evalsha"]).toBe(3);
  });

  it("a batch that overflows a detached session's buffer: those with room are stored, the next overflows, the rest find the session gone", async () => {
    const store = makeStore({ replay: { max: 10 } });
    const a = await store.attach("s", "n1", true);
    await store.detach("s", (a as { fence: number }).fence);
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => store.append("s", `"data":${i}`)));
    expect(results).toEqual([...stored(1, 10), { status: "overflow" }, ...Array(4).fill({ status: "absent" })]);
    expect(await store.attach("s", "n1", false)).toEqual({ status: "tombstone", reason: "overflow" });
  });

  it("refuse: a connected session's full buffer refuses the rest of the batch and keeps the session", async () => {
    const store = makeStore({ replay: { max: 10 } });
    await store.attach("s", "n1", true);
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => store.append("s", `"data":${i}`, "refuse")));
    expect(results).toEqual([...stored(1, 10), ...Array(5).fill({ status: "full" })]);
    expect((await store.inspect?.("s"))?.buffered).toBe(10);
  });

  it("mixed whenFull in one tick keeps the calls' order", async () => {
    const store = makeStore({ replay: { max: 3 } });
    await store.attach("s", "n1", true);
    const results = await Promise.all([
      store.append("s", "1"),
      store.append("s", "2", "refuse"),
      store.append("s", "3"),
      store.append("s", "4", "refuse"),
      store.append("s", "5"),
    ]);
    expect(results).toEqual([...stored(1, 3), { status: "full" }, { status: "overflow" }]);
  });

  it("a read (or any other command) for the session in the same tick comes after the sends made before it", async () => {
    const store = makeStore();
    await store.attach("s", "n1", true);
    const sends = [store.append("s", "1"), store.append("s", "2")];
    const read = store.read("s", 0, 10);
    await Promise.all(sends);
    expect((await read)?.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("sends queued when the store closes are rejected, not left waiting", async () => {
    const store = makeStore();
    await store.attach("s", "n1", true);
    const send = store.append("s", "1");
    await store.close();
    await expect(send).rejects.toThrow(/closed/);
    await expect(store.append("s", "2")).rejects.toThrow(/closed/);
  });
});

describe("appendResults", () => {
  it("reads a reply into one result per body", () => {
    expect(appendResults([2, 7, "full"], 3)).toEqual([...stored(7, 2), { status: "full" }]);
    expect(appendResults([0, 0, "absent"], 2)).toEqual([{ status: "absent" }, { status: "absent" }]);
  });
  it("refuses a reply that does not fit the batch", () => {
    expect(() => appendResults([3, 1, ""], 2)).toThrow(/unexpected append reply/);
    expect(() => appendResults([1, 1, ""], 2)).toThrow(/unexpected append reply/);
    expect(() => appendResults([-1, 1, "absent"], 2)).toThrow(/unexpected append reply/);
  });
});
