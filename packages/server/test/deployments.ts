// The two deployments a behaviour of the fleet is checked on: one node with
// a memory store, and two nodes sharing a real Redis (the second node is
// where a producer, or an attacker, acts from). A file calls
// deploymentsPerTest() at its top: Redis runs for the file (unless
// LIFELINE_SKIP_REDIS), and every server a test started is closed after it.
import { afterAll, afterEach, beforeAll } from "vitest";
import { memoryStore } from "../src/index.js";
import type { LifelineServerOptions, MemoryStoreOptions } from "../src/index.js";
import { redisStore } from "../src/redis.js";
import { startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";
import { SKIP_REDIS, startRedis } from "./redis/redis-server.js";
import type { RedisProcess } from "./redis/redis-server.js";

export interface Deployments {
  /** By name: starts [the node the client is on, the node acting from elsewhere] for one test. */
  readonly pairs: Record<string, () => Promise<[Harness, Harness]>>;
  /** Whether the deployment `name` needs Redis and there is none here. */
  skipped(name: string): boolean;
  /** One server of its own for one test, closed after it. */
  start(options?: LifelineServerOptions): Promise<Harness>;
}

/**
 * `options()`: the servers' options (fresh per server); `store`: the store
 * options of both deployments; `shared`: the name of the deployment on Redis.
 */
export function deploymentsPerTest(options: () => LifelineServerOptions, store: MemoryStoreOptions = {}, shared = "two nodes sharing Redis"): Deployments {
  let redis: RedisProcess | undefined;
  let started: Harness[] = [];
  let run = 0;
  beforeAll(async () => {
    if (!SKIP_REDIS) redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const h of new Set(started)) {
      await h.close();
      await h.lifeline.store.close();
    }
    started = [];
  });
  const start = async (more: LifelineServerOptions = {}) => {
    const h = await startLifeline({ ...options(), ...more });
    started.push(h);
    return h;
  };
  return {
    pairs: {
      "one node": async () => {
        const one = await start({ store: memoryStore(store) });
        return [one, one];
      },
      [shared]: async () => {
        const keyPrefix = `d${++run}:`;
        const node = (name: string) => start({ node: name, store: redisStore({ url: (redis as RedisProcess).url, keyPrefix, ...store }) });
        return [await node("a"), await node("b")];
      },
    },
    skipped: (name) => name === shared && SKIP_REDIS,
    start,
  };
}
