// One redis-server for the tests of a file, with an admin connection to look
// at its keys: started before them, stopped after (what `cleanup` names is
// closed first, while Redis is still up).
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { startRedis } from "./redis-server.js";
import type { RedisProcess } from "./redis-server.js";

export interface SharedRedis {
  readonly redis: RedisProcess;
  readonly admin: Redis;
}

/** Registers the hooks in the calling `describe`; `take` gets the server and the admin connection once they are up. */
export function useRedis(take: (shared: SharedRedis) => void, cleanup: () => Promise<unknown> = async () => {}): void {
  let shared: SharedRedis | undefined;
  beforeAll(async () => {
    const redis = await startRedis();
    const admin = new Redis(redis.url, { lazyConnect: true });
    admin.on("error", () => {});
    await admin.connect();
    take((shared = { redis, admin }));
  });
  afterAll(async () => {
    await cleanup();
    shared?.admin.disconnect();
    await shared?.redis.stop();
  });
}
