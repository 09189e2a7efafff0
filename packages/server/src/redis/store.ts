// redisStore(): the Store contract (../store.ts) over Redis 7, for a fleet of
// nodes sharing one Redis. Each method is one Lua script (./scripts.ts);
// events reach the owning node over Pub/Sub on a channel per node (./events.ts).
import { Redis } from "ioredis";
import { ANONYMOUS } from "../store.js";
import type { AppendResult, AttachOwner, AttachResult, Entry, Fence, FencedResult, ResetReason, SessionInfo, Store, StoreEvent } from "../store.js";
import { storeLimits } from "../session-record.js";
import { NodeEvents } from "./events.js";
import { ACKNOWLEDGE, APPEND, ATTACH, DETACH, DROP, INSPECT, READ, RECORD, RENEW, SESSIONS_OF } from "./scripts.js";
import type { Script } from "./lua.js";
import { AppendBatches } from "./appends.js";
import { MarkGroups } from "./marks.js";
import { Leases } from "./leases.js";
import { ScriptRunner } from "./runner.js";
import type { RedisStoreOptions } from "./options.js";
import type { AppendReply, WhenFull } from "./appends.js";
import { RedisTopics } from "../topics/redis.js";

const KEY_PREFIX = "lifeline:";

const RESET_REASONS: readonly string[] = ["unknown-session", "overflow", "ack-ahead", "evicted"] satisfies ResetReason[];

function fencedResult(reply: unknown): FencedResult {
  if (reply === "ok" || reply === "fenced" || reply === "gone") return reply;
  throw new Error(`@lifeline/server/redis: unexpected reply ${String(reply)}`);
}

class RedisSessions implements Store {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly #max: number;
  /** A session attached here keeps its keys alive with a lease renewed every `#renewEvery` ms. */
  readonly #renewEvery: number;
  readonly #lease: number;
  readonly #onError: (error: unknown) => void;
  readonly #scripts: ScriptRunner;
  /** This tick's appends, one script call per session (appends.ts). */
  readonly #appends = new AppendBatches(
    (session, bodies, whenFull) => this.#appendBatch(session, bodies, whenFull),
    (writeAll) => this.#scripts.corked(writeAll),
  );
  /** The connections' marks, written as group commits (marks.ts). */
  readonly #marks = new MarkGroups((keys, args) => this.#run(RECORD, keys, args));
  /** Each node's events: its Pub/Sub channel, or handed over directly (events.ts). */
  readonly #events: NodeEvents;
  /** Sessions attached through this store object, with their fences: their leases are renewed here. */
  readonly #leases: Leases;
  #closed = false;
  /** Topic histories, in the same Redis under the same prefix. */
  readonly topics: RedisTopics;
  constructor(options: RedisStoreOptions) {
    if ((options.url === undefined) === (options.client === undefined)) {
      throw new TypeError("redisStore needs exactly one of url or client");
    }
    if (options.url !== undefined && typeof options.url !== "string") throw new TypeError(`url must be a string, got ${typeof options.url}`);
    this.#prefix = options.keyPrefix ?? KEY_PREFIX;
    if (typeof this.#prefix !== "string") throw new TypeError(`keyPrefix must be a string, got ${typeof this.#prefix}`);
    ({ ttl: this.#ttl, max: this.#max } = storeLimits(options));
    // renewed three times per TTL (at most every 24 days: setTimeout's ceiling)
    this.#renewEvery = Math.min(Math.ceil(this.#ttl / 3), 2_147_483_647);
    this.#lease = this.#ttl + this.#renewEvery;
    this.#leases = new Leases(this.#renewEvery, (leases) => this.#renewSome(leases));
    this.#onError = options.onError ?? (() => {});
    if (options.onError !== undefined && typeof options.onError !== "function") throw new TypeError("onError must be a function");
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ?? new Redis(options.url as string, { autoResendUnfulfilledCommands: false, lazyConnect: true });
    if (this.#ownsClient) this.#client.on("error", (error: unknown) => this.#onError(error));
    this.#scripts = new ScriptRunner(this.#client);
    this.#events = new NodeEvents(this.#client, this.#prefix, this.#onError, () => this.#leases.owners());
    this.topics = new RedisTopics(this.#client, this.#prefix, this.#onError);
  }

  async subscribe(node: string, listener: (event: StoreEvent) => void): Promise<() => Promise<void>> {
    this.#live();
    return this.#events.subscribe(node, listener);
  }

  async attach(session: string, node: string, create: boolean, owner: AttachOwner = ANONYMOUS): Promise<AttachResult> {
    const limit = Number.isFinite(owner.sessionsPerUser) ? owner.sessionsPerUser : -1;
    const args = [session, node, create ? "1" : "0", this.#prefix + "node:", this.#lease, owner.user, limit, this.#prefix, this.#ttl];
    const reply = (await this.#run(ATTACH, [...this.#keys(session), this.#index(owner.user)], args)) as [string, ...unknown[]];
    switch (reply[0]) {
      case "absent":
        return { status: "absent" };
      case "tombstone":
        return { status: "tombstone", reason: this.#reason(reply[1]) };
      case "attached": {
        const [, created, fence, inbound, sent, acked] = reply as [string, number, number, number, number, number];
        this.#leases.hold(session, fence, node);
        return { status: "attached", created: created === 1, fence, inbound, sent, acked };
      }
      default:
        throw new Error(`@lifeline/server/redis: unexpected attach reply ${String(reply[0])}`);
    }
  }

  async sessionsOf(user: string): Promise<readonly string[]> {
    if (user === "") return [];
    return (await this.#run(SESSIONS_OF, [this.#index(user)], [this.#prefix, user])) as string[];
  }

  async record(session: string, fence: Fence, seq: number): Promise<FencedResult> {
    // marks go to Redis in groups (marks.ts)
    return this.#fenced(RECORD, session, fence, await this.#marks.add(this.#keys(session), [fence, seq]));
  }

  append(session: string, body: string, whenFull: WhenFull = "overflow"): Promise<AppendResult> {
    try {
      this.#live();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#appends.add(this.#keys(session)[0], session, body, whenFull);
  }

  async #appendBatch(session: string, bodies: readonly string[], whenFull: WhenFull): Promise<AppendReply> {
    // the one node this store object listens for: its own sessions' appends skip Pub/Sub
    const local = this.#events.local();
    const args = [session, this.#max, this.#prefix + "node:", this.#ttl, this.#prefix + "user:", whenFull === "refuse" ? "1" : "0", local, ...bodies];
    const reply = (await this.#run(APPEND, this.#keys(session), args)) as AppendReply;
    const [stored, first, , here] = reply;
    if (here === 1 && stored > 0) {
      const entries = bodies.slice(0, stored).map((body, i) => ({ seq: first + i, body }));
      this.#events.tell(local, { type: "append", session, seq: first + stored - 1, entries });
    }
    return reply;
  }

  async acknowledge(session: string, fence: Fence, seq: number): Promise<FencedResult> {
    return this.#fencedWrite(ACKNOWLEDGE, session, fence, [fence, seq]);
  }

  async read(session: string, after: number, limit: number): Promise<readonly Entry[] | undefined> {
    const reply = (await this.#run(READ, this.#keys(session), [after, limit])) as [number, string[]] | null;
    if (reply === null) return undefined;
    const [from, bodies] = reply;
    return bodies.map((body, i) => ({ seq: from + 1 + i, body }));
  }

  async detach(session: string, fence: Fence): Promise<FencedResult> {
    return this.#fencedWrite(DETACH, session, fence, [fence, this.#ttl, this.#prefix + "user:", session]);
  }

  async drop(session: string, fence: Fence): Promise<FencedResult> {
    return this.#fencedWrite(DROP, session, fence, [fence, this.#prefix + "user:", session]);
  }

  async inspect(session: string): Promise<SessionInfo | undefined> {
    const r = (await this.#run(INSPECT, this.#keys(session), [])) as string[] | null;
    if (r === null) return undefined;
    const n = (i: number) => Number(r[i]);
    return {
      attached: r[0] === "1",
      owner: r[1] === "" ? undefined : r[1],
      user: r[10] ?? "",
      fence: n(2),
      inbound: n(3),
      sent: n(4),
      acked: n(5),
      created: n(6),
      seen: n(7),
      reset: r[8] === "" ? undefined : this.#reason(r[8]),
      buffered: n(9),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#leases.close();
    this.#events.close();
    this.#scripts.close();
    this.#appends.rejectAll(new Error("@lifeline/server/redis: the store is closed"));
    // no QUIT: with Redis unreachable it would wait for a reconnection
    if (this.#ownsClient) this.#client.disconnect();
    await this.topics.close();
  }

  // ---- internals ------------------------------------------------------------

  #live(): void {
    if (this.#closed) throw new Error("@lifeline/server/redis: the store is closed");
  }

  #keys(session: string): [string, string] {
    const hash = `${this.#prefix}{${session}}`;
    return [hash, `${hash}:q`];
  }

  /** The key of a user's index (see scripts.ts). */
  #index(user: string): string {
    return `${this.#prefix}user:${user}`;
  }

  #reason(value: unknown): ResetReason {
    return (RESET_REASONS.includes(value as string) ? value : "unknown-session") as ResetReason;
  }

  /** Runs `script` (runner.ts), after the appends queued for its session this tick: Redis sees the calls in the order they were made. */
  #run(script: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    this.#live();
    if (script !== APPEND && keys[0] !== undefined) this.#appends.flush(keys[0]);
    return this.#scripts.run(script, keys, args);
  }

  async #fencedWrite(script: Script, session: string, fence: Fence, args: ReadonlyArray<string | number>): Promise<FencedResult> {
    return this.#fenced(script, session, fence, await this.#run(script, this.#keys(session), args));
  }

  /** What a fenced script answered; a session this store object lost or let go is no longer leased. */
  #fenced(script: Script, session: string, fence: Fence, reply: unknown): FencedResult {
    const result = fencedResult(reply);
    // this store object no longer keeps the session alive once detached, dropped or lost to another connection
    if (result !== "ok" || script === DETACH || script === DROP) this.#leases.release(session, fence);
    return result;
  }

  /** Renews these leases in one pipeline (leases.ts): whether each was renewed; `undefined` when it failed (reported). */
  async #renewSome(leases: ReadonlyArray<readonly [string, Fence]>): Promise<readonly boolean[] | undefined> {
    const pipeline = this.#client.pipeline();
    const sha = this.#scripts.sha(RENEW);
    for (const [session, fence] of leases) {
      const keys = this.#keys(session);
      const args = [fence, this.#lease, this.#prefix + "user:"];
      if (sha === undefined) pipeline.eval(RENEW.lua, 2, ...keys, ...args);
      else pipeline.evalsha(sha, 2, ...keys, ...args);
    }
    try {
      const replies = (await this.#scripts.settled(pipeline.exec())) ?? [];
      let reload = false;
      // an error (NOSCRIPT) is not a lost lease: the next renewal tries again
      const renewed = leases.map((_, i) => {
        const [error, result] = replies[i] ?? [null, 1];
        if (error) reload ||= error.message.startsWith("NOSCRIPT");
        return error !== null || result !== 0;
      });
      if (reload || sha === undefined) await this.#scripts.load(RENEW);
      return renewed;
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
  }
}

/**
 * A store in Redis 7 shared by every node of a fleet: a client may reconnect
 * to any node and `send(session, …)` works from any node. Each method is one
 * Lua script (atomic); writes are fenced inside the script, so a node that
 * lost a session cannot act for it; the owning node hears of new messages,
 * takeovers and resets over Pub/Sub. Keys expire `sessionTtl` after the last
 * connection ended. If Redis loses its data (a restart without persistence),
 * the next `hello` of each client is answered with `reset`.
 *
 * Needs the `ioredis` package (an optional peer dependency of `@lifeline/server`).
 *
 * @example
 * import { createLifelineServer } from "@lifeline/server";
 * import { redisStore } from "@lifeline/server/redis";
 *
 * const lifeline = createLifelineServer({
 *   store: redisStore({ url: "redis://127.0.0.1:6379", sessionTtl: 120_000, replay: { max: 1_000 } }),
 * });
 */
export function redisStore(options: RedisStoreOptions): Store {
  if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object, got ${String(options)}`);
  return new RedisSessions(options);
}
