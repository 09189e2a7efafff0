// The `@lifeline/server/redis` entry point: a store shared by a fleet of
// nodes. Its own entry so that users of the memory store need no Redis client.
export { redisStore } from "./redis/store.js";
export type { RedisStoreOptions } from "./redis/options.js";
