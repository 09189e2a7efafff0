// Topic histories in Redis 7: the `topics` half of redisStore(). Per topic
// (the `{…}` hash tag keeps both keys in one Cluster slot):
//   <prefix>topic:{T}     hash    e (epoch) o (last offset); TTL max(ttl, TOPIC_RECORD_TTL) from the last publication
//   <prefix>topic:{T}:s   stream  the history: fields o (offset) d (JSON body); trimmed by MAXLEN and MINID (time); TTL ttl
// Each publication is one Lua script: number, append, trim, and PUBLISH on
// the topic's channel, so every node listening hears it once, in offset order.
import type { Redis } from "ioredis";
import { platform } from "../platform.js";
import { TOPIC_RECORD_TTL } from "./history.js";
import type { GapReason, HistoryLimits, HistoryRead, TopicHistory, TopicListener, TopicPosition } from "./history.js";
import { pubSub } from "../redis/pub-sub.js";
import { LUA_NOW } from "../redis/lua.js";

const PRELUDE = `
local meta, stream = KEYS[1], KEYS[2]
${LUA_NOW}`;

// ARGV: channel, body, max, ttl, record ttl, an epoch for a topic that has none
const PUBLISH = `${PRELUDE}
local epoch = redis.call('HGET', meta, 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'e', epoch, 'o', 0)
end
local offset = redis.call('HINCRBY', meta, 'o', 1)
redis.call('PEXPIRE', meta, ARGV[5])
local max, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
if max > 0 then
  redis.call('XADD', stream, 'MAXLEN', max, '*', 'o', offset, 'd', ARGV[2])
  redis.call('XTRIM', stream, 'MINID', now() - ttl)
  redis.call('PEXPIRE', stream, ttl)
end
redis.call('PUBLISH', ARGV[1], epoch .. ':' .. offset .. ':' .. ARGV[2])
return {epoch, offset}
`;

// ARGV: '1' when a position is given, its epoch, its offset, ttl
// reply: {epoch, head} | {epoch, head, 'epoch' | 'trimmed'} | {epoch, head, 'ok', body…}
const READ = `${PRELUDE}
local epoch = redis.call('HGET', meta, 'e') or ''
local head = tonumber(redis.call('HGET', meta, 'o') or '0')
if ARGV[1] ~= '1' then return {epoch, head} end
local from = tonumber(ARGV[3])
if not (ARGV[2] == epoch or (ARGV[2] == '' and from == 0)) or from > head then return {epoch, head, 'epoch'} end
if from == head then return {epoch, head, 'ok'} end
-- an idle topic has no publisher trimming it by time
redis.call('XTRIM', stream, 'MINID', now() - tonumber(ARGV[4]))
if head - redis.call('XLEN', stream) > from then return {epoch, head, 'trimmed'} end
local entries = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', head - from)
local out = {epoch, head, 'ok'}
for i = #entries, 1, -1 do out[#out + 1] = entries[i][2][4] end
return out
`;

export class RedisTopics implements TopicHistory {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;
  readonly #sha = new Map<string, string>();
  readonly #listeners = new Map<string, Set<TopicListener>>();
  #subscriber: Redis | undefined;
  #closed = false;
  /**
   * Rejections of the commands in flight. A command written just before the
   * connection closed is never answered (the store's client does not resend
   * it: a publication must not be stored twice): it rejects instead.
   */
  readonly #inFlight = new Set<(error: Error) => void>();
  readonly #onClose = (): void => {
    const error = new Error("@lifeline/server/redis: the connection to Redis closed before the reply came");
    for (const reject of [...this.#inFlight]) reject(error);
  };

  constructor(client: Redis, prefix: string, onError: (error: unknown) => void) {
    this.#client = client;
    this.#prefix = prefix;
    this.#onError = onError;
    client.on("close", this.#onClose);
  }

  async publish(topic: string, body: string, limits: HistoryLimits): Promise<TopicPosition> {
    const epoch = platform.crypto.randomUUID().slice(0, 13);
    const recordTtl = Math.max(limits.ttl, TOPIC_RECORD_TTL);
    const [e, offset] = (await this.#run(PUBLISH, topic, [this.#channel(topic), body, limits.max, limits.ttl, recordTtl, epoch])) as [string, number];
    return { epoch: e, offset };
  }

  async read(topic: string, from: TopicPosition | undefined, limits: HistoryLimits): Promise<HistoryRead> {
    const args = from ? ["1", from.epoch, from.offset, limits.ttl] : ["0", "", 0, limits.ttl];
    const reply = (await this.#run(READ, topic, args)) as [string, number, string?, ...string[]];
    const [epoch, offset, status] = reply;
    if (status === undefined || status === "ok") {
      const start = (from?.offset ?? offset) + 1;
      return { epoch, offset, entries: reply.slice(3).map((body, i) => ({ epoch, offset: start + i, body: body as string })) };
    }
    return { epoch, offset, gap: status as GapReason };
  }

  async listen(topic: string, listener: TopicListener): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error("@lifeline/server/redis: the store is closed");
    const channel = this.#channel(topic);
    let set = this.#listeners.get(channel);
    if (!set) {
      this.#listeners.set(channel, (set = new Set()));
      await this.#subscriberConnection().subscribe(channel);
    }
    set.add(listener);
    return async () => {
      if (!set.delete(listener) || set.size > 0 || this.#listeners.get(channel) !== set) return;
      this.#listeners.delete(channel);
      if (!this.#closed) await this.#subscriber?.unsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#client.off("close", this.#onClose);
    this.#listeners.clear();
    this.#subscriber?.disconnect();
  }

  #channel(topic: string): string {
    return `${this.#prefix}topic:${topic}`;
  }

  /** EVALSHA, loading the script first (again after Redis restarted: NOSCRIPT). */
  async #run(lua: string, topic: string, args: ReadonlyArray<string | number>): Promise<unknown> {
    if (this.#closed) throw new Error("@lifeline/server/redis: the store is closed");
    const meta = `${this.#prefix}topic:{${topic}}`;
    const keys = [meta, `${meta}:s`];
    let sha = this.#sha.get(lua);
    if (sha === undefined) this.#sha.set(lua, (sha = (await this.#client.script("LOAD", lua)) as string));
    try {
      return await this.#settled(this.#client.evalsha(sha, 2, ...keys, ...args));
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      return this.#settled(this.#client.eval(lua, 2, ...keys, ...args));
    }
  }

  /** `reply`, or a rejection when the connection it was written on closes first. */
  #settled<T>(reply: Promise<T>): Promise<T> {
    if (this.#client.status !== "ready") return reply; // queued offline: sent once connected
    return new Promise<T>((resolve, reject) => {
      this.#inFlight.add(reject);
      reply.then(resolve, reject).finally(() => this.#inFlight.delete(reject));
    });
  }

  /**
   * The Pub/Sub link came back: what was published while it was down was
   * not heard. Once the channels are subscribed again, every listener is
   * told (`undefined`) to read the history from where it was.
   */
  async #resubscribed(subscriber: Redis): Promise<void> {
    const channels = [...this.#listeners.keys()];
    if (channels.length === 0) return;
    await subscriber.subscribe(...channels);
    for (const set of this.#listeners.values()) for (const listener of [...set]) listener(undefined);
  }

  #subscriberConnection(): Redis {
    return (this.#subscriber ??= pubSub(
      this.#client,
      {
        onError: (error) => this.#onError(error),
        resubscribe: (subscriber) => this.#resubscribed(subscriber),
        onMessage: (channel, message) => {
          const set = this.#listeners.get(channel);
          if (!set) return;
          const a = message.indexOf(":");
          const b = message.indexOf(":", a + 1);
          const publication = { epoch: message.slice(0, a), offset: Number(message.slice(a + 1, b)), body: message.slice(b + 1) };
          for (const listener of [...set]) listener(publication);
        },
      },
      { autoResubscribe: false },
    ));
  }
}
