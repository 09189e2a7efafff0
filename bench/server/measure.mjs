// The server bench's measures (run.mjs calls measureServer): for each server
// kind, one process (target.mjs) serving every phase of a round, and one
// process of clients (load.mjs). Rounds rotate the order of the kinds; each
// ratio to raw `ws` is taken within a round. Phases of a round, in order:
//   idle      N idle connections (lifeline: sessions whose hello was answered): heap per connection
//   in        50 clients send, at most `window` unacknowledged each: messages/s, server CPU per message
//   out       the server pushes to 50 clients (lifeline.send, ws.send, socket.emit): the same figures
//             (in and out: every kind up at once, taking turns in bursts, turns.mjs)
//   churn     sessions made and closed, then expired (lifeline), or connections opened and closed
//             (raw ws): heap after expiry vs before
// Every phase also reads the event loop's worst delay in the server process.
// capacity (once, after the rounds): as many idle connections as two client
// processes open within a bounded time, and what stopped them.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { haveRedis, startRedis } from "./redis.mjs";
import { rateTurns, startKind } from "./turns.mjs";

const file = (path) => fileURLToPath(new URL(path, import.meta.url));

export const SERVER_MEASURES = ["serverIdle", "serverIn", "serverOut", "serverChurn", "serverCapacity"];
export const KINDS = ["ws", "lifeline-memory", "lifeline-redis", "socketio"];
export const KIND_NAMES = { ws: "raw `ws`", "lifeline-memory": "lifeline, memory", "lifeline-redis": "lifeline, Redis", socketio: "socket.io 4.8 (websocket)" };

/** BENCH_QUICK=1 divides every count by 10, for iterating on the harness. */
const SCALE = process.env.BENCH_QUICK ? 0.1 : 1;
const scaled = (n) => Math.max(1, Math.round(n * SCALE));
/** The raw and socket.io servers acknowledge every 64th message (target.mjs): counts sent are multiples of 64. */
const by64 = (n) => Math.max(64, Math.round((n * SCALE) / 64) * 64);
export const SERVER_CONFIG = {
  /** Session TTL of both stores: short, so that the churn's sessions expire within the run. */
  sessionTtl: 2_000,
  /** replay.max of both stores: the push phase's producer does not wait for acks (see docs/performance.md). */
  replayMax: 100_000,
  idle: { count: scaled(5_000) },
  /** The rate phases, in turns (turns.mjs): per kind `warmup` + `cycles` bursts of `clients` × `perBurst` messages. */
  in: { clients: 50, perBurst: by64(512), window: 256, warmup: 2, cycles: 12 },
  out: { clients: 50, perBurst: by64(512), batch: 16, warmup: 2, cycles: 12 },
  churn: { count: scaled(20_000), concurrency: 200, kinds: ["ws", "lifeline-memory", "lifeline-redis"] },
  /** Two client processes, so that the server's descriptors run out before theirs; both stores (with Redis the node also holds its connections to redis-server, where the sessions live). */
  capacity: { boundMs: scaled(40_000), processes: 2, kinds: ["ws", "lifeline-memory", "lifeline-redis"] },
};
/** BENCH_PROFILE=lifeline-redis (or several kinds, comma-separated) writes a V8 CPU profile of those servers to bench/server/profiles/. */
const PROFILE = process.env.BENCH_PROFILE;
const serverFlags = (kind) => ["--expose-gc", ...(PROFILE?.split(",").includes(kind) ? ["--cpu-prof", `--cpu-prof-dir=${file("./profiles")}`] : [])];
/** The descriptor limit the bench's processes get: `ulimit -n` raised to the hard limit (ipc.mjs). */
export const FD_LIMIT = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim()) || undefined;

/** Waits until the target holds no connection and its store no session (bounded by the TTL and 10 s). */
async function settled(target, kind, redis) {
  const until = Date.now() + (SERVER_CONFIG.sessionTtl * 4) / 3 + 10_000;
  for (;;) {
    const { connections, sessions } = await target.call("size");
    const keys = kind === "lifeline-redis" ? redis.keys() : 0;
    if (connections === 0 && !sessions && keys === 0) return;
    if (Date.now() > until) throw new Error(`not settled: ${connections} connections, ${sessions ?? 0} sessions, ${keys} Redis keys`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The options of a kind's server process. */
const kindOptions = (kind) => ({ sessionTtl: SERVER_CONFIG.sessionTtl, replayMax: SERVER_CONFIG.replayMax, execArgv: serverFlags(kind) });

/** One round of one server kind: its idle and churn phases in one target process. */
async function runKind(kind, round, redis, wanted, progress) {
  const c = SERVER_CONFIG;
  const { target, load, url, stop } = await startKind(kind, redis, kindOptions(kind));
  const out = {};
  try {
    if (wanted("serverIdle")) {
      progress(`server idle round ${round + 1}: ${kind}, ${c.idle.count} connections`);
      const before = await target.call("heap");
      await target.call("mark");
      const { opened } = await load.call("open", { kind, url, count: c.idle.count, prefix: `idle-${round}` }, 180_000);
      const { loopMaxMs, blockMs, blockAt, connections } = await target.call("read");
      const after = await target.call("heap");
      if (connections !== opened) throw new Error(`idle: the server holds ${connections} connections, the clients opened ${opened}`);
      out.idle = { perConnection: (after - before) / opened, connections: opened, loopMaxMs, blockMs, blockAt };
      await load.call("closeAll", {}, 60_000);
      await settled(target, kind, redis);
    }
    if (wanted("serverChurn") && c.churn.kinds.includes(kind)) {
      await settled(target, kind, redis);
      progress(`server churn round ${round + 1}: ${kind}, ${c.churn.count} sessions`);
      const before = await target.call("heap");
      await target.call("mark");
      const t0 = Date.now();
      await load.call("churn", { kind, url, count: c.churn.count, concurrency: c.churn.concurrency, prefix: `churn-${round}` }, 300_000);
      const { loopMaxMs, blockMs, blockAt } = await target.call("read");
      const seconds = (Date.now() - t0) / 1000;
      await settled(target, kind, redis);
      const after = await target.call("heap");
      out.churn = { before, after, delta: after - before, loopMaxMs, blockMs, blockAt, seconds };
    }
  } finally {
    await stop();
  }
  return out;
}

/** Capacity: two client processes open up to the descriptor limit's worth of idle connections, bounded in time. */
async function capacity(kind, redis, progress) {
  const c = SERVER_CONFIG.capacity;
  const { target, loads, url, stop } = await startKind(kind, redis, kindOptions(kind), c.processes);
  // together the clients could take every descriptor the server process has
  const perProcess = Math.ceil((FD_LIMIT ?? 20_000) / c.processes);
  progress(`server capacity: ${kind}, up to ${perProcess * c.processes} connections within ${c.boundMs / 1000} s`);
  try {
    const base = await target.call("heap");
    const t0 = Date.now();
    const opened = await Promise.all(
      loads.map((load, i) =>
        load.call("open", { kind, url, count: perProcess, prefix: `cap-${i}`, boundMs: c.boundMs, bounded: true }, c.boundMs + 120_000),
      ),
    );
    const seconds = (Date.now() - t0) / 1000;
    const { connections } = await target.call("read");
    const heap = await target.call("heap");
    const errors = [...new Set(opened.map((o) => o.error).filter(Boolean))];
    const tried = perProcess * c.processes;
    // at its descriptor limit the server's accept() fails (EMFILE) and libuv drops the connection: clients see "socket hang up"
    const atLimit = FD_LIMIT !== undefined && connections >= FD_LIMIT - 100;
    const stoppedBy = atLimit
      ? `the server's descriptor limit (${errors[0] ?? "no error"})`
      : errors.length > 0
        ? errors[0]
        : connections < tried
          ? "the time bound"
          : "nothing: all opened";
    return { connections, seconds, perConnection: (heap - base) / connections, errors, stoppedBy, tried };
  } finally {
    await stop();
  }
}

/** Every wanted server measure, `rounds` times; per kind a list of rounds. */
export async function measureServer({ rounds, wanted, progress }) {
  const kinds = haveRedis() ? KINDS : KINDS.filter((k) => k !== "lifeline-redis");
  if (kinds.length < KINDS.length) progress("redis-server not found (/usr/bin/redis-server or $REDIS_SERVER): the Redis column is left out");
  const redis = kinds.includes("lifeline-redis") ? await startRedis() : undefined;
  const byKind = Object.fromEntries(kinds.map((k) => [k, []]));
  const failures = [];
  let capacities;
  try {
    const failed = (what, error) => {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      progress(`FAILED ${failures.at(-1)}`);
    };
    for (let round = 0; round < rounds; round++) {
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
      const rates = {};
      if (wanted("serverIn") || wanted("serverOut")) {
        redis?.flush();
        await rateTurns({ kinds: order, round, redis, wanted, progress, config: SERVER_CONFIG, options: kindOptions }).then(
          (figures) => Object.assign(rates, figures),
          (error) => failed(`server rates round ${round + 1}`, error),
        );
      }
      for (const kind of order) {
        let run = {};
        if (wanted("serverIdle") || wanted("serverChurn")) {
          redis?.flush();
          run = await runKind(kind, round, redis, wanted, progress).catch((error) => failed(`server ${kind} round ${round + 1}`, error));
        }
        if (run || rates[kind]) byKind[kind][round] = { ...run, ...rates[kind] };
      }
    }
    if (wanted("serverCapacity")) {
      capacities = {};
      for (const kind of kinds.filter((k) => SERVER_CONFIG.capacity.kinds.includes(k))) {
        try {
          capacities[kind] = await capacity(kind, redis, progress);
        } catch (error) {
          failed(`server capacity ${kind}`, error);
        }
      }
    }
  } finally {
    await redis?.stop();
  }
  return { kinds, rounds: byKind, capacity: capacities, failures, config: SERVER_CONFIG, fdLimit: FD_LIMIT };
}
