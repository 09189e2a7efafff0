// redisStore() against a real redis-server (a child process on a free
// loopback port, no persistence): the shared Store contract, then what is
// Redis's own: keys and TTLs, two nodes as two store objects, leases of a
// node that died, and Redis losing its data.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { Store, StoreEvent } from "../src/index.js";
import { redisStore } from "../src/redis.js";
import type { RedisStoreOptions } from "../src/redis.js";
import { SKIP_REDIS } from "./redis/redis-server.js";
import { useRedis } from "./redis/shared-redis.js";
import type { RedisProcess } from "./redis/redis-server.js";
import { storeConformance } from "./store-conformance.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisProcess;
let admin: Redis;
let prefixes = 0;
const prefixOf = new WeakMap<Store, string>();

/** A store with its own key prefix, so that tests sharing the one redis-server do not see each other. */
function makeStore(options: Omit<RedisStoreOptions, "url" | "client"> = {}): Store {
  const keyPrefix = `t${++prefixes}:`;
  const store = redisStore({ url: redis.url, keyPrefix, ...options });
  prefixOf.set(store, keyPrefix);
  return store;
}

/** Session records (not their replay lists) under the store's prefix. */
async function sessions(store: Store): Promise<string[]> {
  const keys = await admin.keys(`${prefixOf.get(store) ?? "?"}*`);
  return keys.filter((k) => !k.endsWith(":q")).sort();
}

describe.skipIf(SKIP_REDIS)("redisStore", () => {
  useRedis((shared) => ({ redis, admin } = shared));

  storeConformance("redisStore", {
    make: (options) => makeStore(options),
    count: async (store) => (await sessions(store)).length,
    lose: async (store) => {
      const keys = await admin.keys(`${prefixOf.get(store) ?? "?"}*`);
      if (keys.length > 0) await admin.del(...keys);
    },
  });

  describe("in Redis", () => {
    it("keeps a session as a hash and a list under the prefix, both with the same TTL: a lease while attached, sessionTtl once detached", async () => {
      const store = makeStore({ sessionTtl: 60_000 });
      const a = await store.attach("k", "n1", true);
      await store.append("k", '"data":1');
      expect((await admin.keys("t*:{k}*")).sort()).toEqual([`${prefixOf.get(store)}{k}`, `${prefixOf.get(store)}{k}:q`]);
      const hash = `${prefixOf.get(store)}{k}`;
      // attached: sessionTtl + sessionTtl/3, renewed by this node
      expect(await admin.pttl(hash)).toBeGreaterThan(60_000);
      expect(await admin.pttl(hash)).toBeLessThanOrEqual(80_000);
      expect(Math.abs((await admin.pttl(`${hash}:q`)) - (await admin.pttl(hash)))).toBeLessThan(50);
      await store.detach("k", (a as { fence: number }).fence);
      expect(await admin.pttl(hash)).toBeLessThanOrEqual(60_000);
      expect(await admin.pttl(hash)).toBeGreaterThan(59_000);
      expect(Math.abs((await admin.pttl(`${hash}:q`)) - (await admin.pttl(hash)))).toBeLessThan(50);
      // acknowledging everything removes the list
      const b = await store.attach("k", "n1", false);
      await store.acknowledge("k", (b as { fence: number }).fence, 1);
      expect(await admin.exists(`${hash}:q`)).toBe(0);
      await store.close();
    });

    it("keeps each named user's sessions in a sorted set with the sessions' TTL, which goes when they do", async () => {
      const store = makeStore({ sessionTtl: 60_000 });
      const prefix = prefixOf.get(store) as string;
      const alice = { user: "alice", sessionsPerUser: 16 };
      const a = (await store.attach("k1", "n1", true, alice)) as { fence: number };
      await store.attach("k2", "n1", true, alice);
      await store.attach("anon", "n1", true);
      const index = `${prefix}user:alice`;
      expect(await admin.zrange(index, "0", "-1")).toEqual(["k1", "k2"]);
      expect(await admin.hget(`${prefix}{k1}`, "user")).toBe("alice");
      // no index for the anonymous namespace
      expect(await admin.keys(`${prefix}user:*`)).toEqual([index]);
      // attached: at least the lease; detached: at least sessionTtl
      expect(await admin.pttl(index)).toBeGreaterThan(60_000);
      await store.detach("k1", a.fence);
      expect(await admin.pttl(index)).toBeGreaterThan(60_000);
      // the sessions' keys expire by TTL (as if sessionTtl passed): the index is pruned when read, and expires with them
      await admin.del(`${prefix}{k1}`, `${prefix}{k1}:q`);
      expect(await store.sessionsOf("alice")).toEqual(["k2"]);
      expect(await admin.zrange(index, "0", "-1")).toEqual(["k2"]);
      await store.close();
      const short = makeStore({ sessionTtl: 200 });
      const b = (await short.attach("s1", "n1", true, { user: "bob", sessionsPerUser: 16 })) as { fence: number };
      await short.detach("s1", b.fence);
      const bobIndex = `${prefixOf.get(short) as string}user:bob`;
      expect(await admin.pttl(bobIndex)).toBeLessThanOrEqual(60_000 + 20_000);
      for (let i = 0; i < 300 && (await admin.exists(bobIndex)) === 1; i++) await sleep(10);
      expect(await admin.exists(bobIndex)).toBe(0);
      await short.close();
    });

    it("two nodes as two store objects: takeover and appends reach the owner over Pub/Sub; the old node is fenced out", async () => {
      const keyPrefix = `t${++prefixes}:`;
      const one = redisStore({ url: redis.url, keyPrefix });
      const two = redisStore({ url: redis.url, keyPrefix });
      const heard: StoreEvent[] = [];
      let wake = () => {};
      await one.subscribe("node-1", (event) => {
        heard.push(event);
        wake();
      });
      const until = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(JSON.stringify(heard))), 3_000);
          wake = () => {
            if (heard.length < n) return;
            clearTimeout(timer);
            resolve();
          };
          wake();
        });
      const first = (await one.attach("s", "node-1", true)) as { fence: number };
      expect(await two.append("s", '"data":"from two"')).toEqual({ status: "stored", seq: 1 });
      await until(1);
      const second = (await two.attach("s", "node-2", false)) as { fence: number };
      await until(2);
      expect(heard).toEqual([
        { type: "append", session: "s", seq: 1 },
        { type: "takeover", session: "s", fence: second.fence },
      ]);
      expect(await one.record("s", first.fence, 9)).toBe("fenced");
      expect(await one.detach("s", first.fence)).toBe("fenced");
      expect(await two.inspect("s")).toMatchObject({ owner: "node-2", attached: true, inbound: 0 });
      await Promise.all([one.close(), two.close()]);
    });

    it("a node that dies without detaching: its sessions expire once their lease is no longer renewed", async () => {
      const ttl = 300;
      const node = makeStore({ sessionTtl: ttl });
      const survivor = makeStore({ sessionTtl: ttl });
      await node.attach("orphan", "dead", true);
      await survivor.attach("kept", "alive", true);
      // renewed while the node lives: still there after three TTLs
      await sleep(ttl * 3);
      expect(await node.inspect("orphan")).toMatchObject({ attached: true });
      await node.close(); // as kill -9 would: no detach
      const start = Date.now();
      while ((await survivor.inspect("orphan")) !== undefined && Date.now() - start < 3_000) await sleep(10);
      expect(await survivor.inspect("orphan")).toBeUndefined();
      expect(Date.now() - start).toBeLessThanOrEqual(Math.ceil((ttl * 4) / 3) + 200);
      expect(await survivor.inspect("kept")).toMatchObject({ attached: true });
      await survivor.close();
    });

    it("the leases of 600 attached sessions are renewed (in pipelines of 256): all of them still attached after three TTLs; detached ones expire", async () => {
      const ttl = 400;
      const store = makeStore({ sessionTtl: ttl });
      const fences = new Map<string, number>();
      for (let i = 0; i < 600; i++) fences.set(`many-${i}`, ((await store.attach(`many-${i}`, "n1", true)) as { fence: number }).fence);
      // a third of them detached: their leases are no longer renewed
      for (let i = 0; i < 600; i += 3) await store.detach(`many-${i}`, fences.get(`many-${i}`) as number);
      await sleep(ttl * 3);
      const found = await Promise.all([...fences.keys()].map((session) => store.inspect(session)));
      const attached = found.filter((info) => info?.attached === true).length;
      expect(attached).toBe(400);
      expect(found.filter((info) => info === undefined).length).toBe(200);
      await store.close();
    });

    it("Redis loses its data (restart without persistence): sessions are absent, and fences stay above those handed out before", async () => {
      const store = makeStore();
      const events: StoreEvent[] = [];
      await store.subscribe("n1", (e) => events.push(e));
      const before = (await store.attach("s", "n1", true)) as { fence: number };
      await store.append("s", '"data":1');
      await store.record("s", before.fence, 4);
      for (let i = 0; i < 300 && events.length === 0; i++) await sleep(10);
      expect(events).toHaveLength(1);
      events.length = 0;
      await redis.restart();
      // once its subscriber is back, the store hints each session attached through it (events meanwhile were lost)
      for (let i = 0; i < 300 && events.length === 0; i++) await sleep(10);
      expect(events).toEqual([{ type: "append", session: "s", seq: 0 }]);
      // the store's connections come back by themselves; the scripts are loaded again (NOSCRIPT → EVAL)
      expect(await store.attach("s", "n1", false)).toEqual({ status: "absent" });
      expect(await store.record("s", before.fence, 5)).toBe("gone");
      expect(await store.append("s", '"data":2')).toEqual({ status: "absent" });
      expect(await store.read("s", 0, 10)).toBeUndefined();
      const after = (await store.attach("s", "n1", true)) as { status: string; fence: number; created: boolean };
      expect(after).toMatchObject({ status: "attached", created: true, inbound: 0, sent: 0, acked: 0 });
      // a connection from before the loss, with the old fence, cannot write for the new record
      expect(after.fence).toBeGreaterThan(before.fence);
      expect(await store.record("s", before.fence, 5)).toBe("fenced");
      // …and events flow again
      await store.append("s", '"data":3');
      for (let i = 0; i < 300 && events.length === 1; i++) await sleep(10);
      expect(events).toEqual([
        { type: "append", session: "s", seq: 0 },
        // appended on the owner's node: told directly, with the entry (no Pub/Sub, no read)
        { type: "append", session: "s", seq: 1, entries: [{ seq: 1, body: '"data":3' }] },
      ]);
      await store.close();
    });

    it("a command whose connection drops before the reply rejects (its outcome is unknown) instead of waiting forever", async () => {
      const store = makeStore();
      await store.attach("p", "n1", true);
      // Redis holds the next write; then every other client connection is killed
      await admin.call("CLIENT", "PAUSE", "2000", "WRITE");
      const rejected = expect(store.append("p", '"data":1')).rejects.toThrow("the connection to Redis closed before the reply came");
      await sleep(50);
      await admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
      await rejected;
      await admin.call("CLIENT", "UNPAUSE");
      // the store reconnects by itself; the write may or may not have happened, and the store says which
      const info = await store.inspect("p");
      expect([0, 1]).toContain(info?.sent);
      await store.close();
    });

    it("takes an ioredis client instead of a url, and leaves it open", async () => {
      const client = new Redis(redis.url, { autoResendUnfulfilledCommands: false, lazyConnect: true });
      client.on("error", () => {});
      const listeners = client.listenerCount("close");
      const store = redisStore({ client, keyPrefix: `t${++prefixes}:` });
      await store.attach("c", "n1", true);
      expect(await store.inspect("c")).toMatchObject({ attached: true, owner: "n1" });
      await store.close();
      expect(await client.ping()).toBe("PONG");
      expect(client.listenerCount("close")).toBe(listeners);
      client.disconnect();
    });

    it("validates its options", () => {
      expect(() => redisStore({} as RedisStoreOptions)).toThrow("redisStore needs exactly one of url or client");
      expect(() => redisStore({ url: redis.url, client: admin })).toThrow("redisStore needs exactly one of url or client");
      expect(() => redisStore({ url: redis.url, keyPrefix: 3 as unknown as string })).toThrow("keyPrefix must be a string, got number");
      expect(() => redisStore(null as unknown as RedisStoreOptions)).toThrow("options must be an object");
    });
  });
});
