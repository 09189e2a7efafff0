// The Redis store's inbound marks of one turn, coalesced across sessions
// (src/redis/records.ts): the `record`s of every connection that commits in
// the same turn are one script call, each answered as if it had recorded
// alone ("ok", "fenced", "gone"); another command for a session never
// overtakes its mark. Against a real redis-server; Redis's command statistics
// count the calls.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import { redisStore } from "../src/redis.js";
import { SKIP_REDIS } from "./redis/redis-server.js";
import { useRedis } from "./redis/shared-redis.js";
import type { RedisProcess } from "./redis/redis-server.js";

let redis: RedisProcess;
let admin: Redis;
let prefixes = 0;
const stores: Store[] = [];

function makeStore(): Store {
  const store = redisStore({ url: redis.url, keyPrefix: `r${++prefixes}:` });
  stores.push(store);
  return store;
}

/** Calls of each Redis command since the last reset (scripts' inner commands included). */
async function calls(): Promise<Record<string, number>> {
  const info = await admin.info("commandstats");
  return Object.fromEntries([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, n]) => [name as string, Number(n)]));
}

async function attached(store: Store, session: string): Promise<number> {
  const found = await store.attach(session, "n1", true);
  if (found.status !== "attached") throw new Error(`attach ${session}: ${found.status}`);
  return found.fence;
}

describe.skipIf(SKIP_REDIS)("redisStore: inbound marks of one turn", () => {
  useRedis(
    (shared) => ({ redis, admin } = shared),
    () => Promise.all(stores.map((store) => store.close())),
  );

  it("50 sessions' marks in one turn are one script call; each is stored, and a lower mark later changes nothing", async () => {
    const store = makeStore();
    const sessions = Array.from({ length: 50 }, (_, i) => `s${i}`);
    const fences = await Promise.all(sessions.map((s) => attached(store, s)));
    await store.record("warm", 1, 1); // loads the script ("gone": no such session)
    await admin.config("RESETSTAT");
    const results = await Promise.all(sessions.map((s, i) => store.record(s, fences[i]!, 64 + i)));
    expect(results).toEqual(sessions.map(() => "ok"));
    expect((await calls())["evalsha"]).toBe(1);
    expect((await Promise.all(sessions.map((s) => store.inspect(s)))).map((info) => info?.inbound)).toEqual(sessions.map((_, i) => 64 + i));
    expect(await store.record("s0", fences[0]!, 10)).toBe("ok");
    expect((await store.inspect("s0"))?.inbound).toBe(64);
  });

  it("a batch answers each mark as alone: ok, fenced (a newer connection attached), gone (no session)", async () => {
    const store = makeStore();
    const old = await attached(store, "a");
    const newer = await attached(store, "a");
    const b = await attached(store, "b");
    const results = await Promise.all([store.record("a", old, 5), store.record("b", b, 7), store.record("nobody", 1, 3), store.record("a", newer, 2)]);
    expect(results).toEqual(["fenced", "ok", "gone", "ok"]);
    expect((await store.inspect("a"))?.inbound).toBe(2);
    expect((await store.inspect("b"))?.inbound).toBe(7);
  });

  it("a drop called in the same turn as a mark reaches Redis after it: the mark is answered ok, then the session is gone", async () => {
    const store = makeStore();
    const fence = await attached(store, "d");
    // had the drop overtaken the mark, the mark would answer "gone"
    const [recorded, dropped] = await Promise.all([store.record("d", fence, 9), store.drop("d", fence)]);
    expect([recorded, dropped]).toEqual(["ok", "ok"]);
    expect(await store.inspect("d")).toBeUndefined();
  });

  it("marks queued when the store closes are rejected, not left pending", async () => {
    const store = makeStore();
    const fence = await attached(store, "c");
    const pending = store.record("c", fence, 4);
    await store.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});
