// The options of redisStore() (./store.ts), as its users read them.
import type { Redis } from "ioredis";

/** Options of `redisStore()`: give `url` or `client`. */
export interface RedisStoreOptions {
  /**
   * Where Redis is, e.g. `"redis://127.0.0.1:6379"`. The store opens its own
   * connections (one for commands, one for Pub/Sub) and closes them in `close()`.
   */
  url?: string;
  /**
   * An ioredis client to use instead of `url` (the store duplicates it for
   * Pub/Sub and leaves it open in `close()`). Give it
   * `autoResendUnfulfilledCommands: false`: otherwise a command that was
   * sent just before a dropped connection may run twice, and a message
   * `send()` stored twice reaches the client twice.
   */
  client?: Redis;
  /**
   * Prefix of every key and channel, so several deployments can share a Redis.
   * @default "lifeline:"
   */
  keyPrefix?: string;
  /**
   * How long a session is kept after its last connection ended, in ms.
   * A session whose node died without detaching it expires between
   * `sessionTtl` and 4/3 × `sessionTtl` after the node's last lease renewal.
   * @default 120_000
   */
  sessionTtl?: number;
  replay?: {
    /**
     * Most unacknowledged server → client messages kept per session; one more
     * and the session is reset with reason `"overflow"`.
     * @default 1_000
     */
    max?: number;
  };
  /**
   * Told about errors of the store's own connections (Redis unreachable,
   * reconnecting). The store's methods still reject, so the server closes
   * the affected connections with 1011 and reports them to its `onError`.
   * @default ignore them
   */
  onError?: (error: unknown) => void;
}
