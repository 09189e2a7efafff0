// The server bench's measures (run.mjs calls measureServer): for each server
// kind, one process (target.mjs) serving every phase of a round, and one
// process of clients (load.mjs). Rounds rotate the order of the kinds; each
// ratio to raw `ws` is taken within a round. Phases of a round, in order:
//   idle      N idle connections (lifeline: sessions whose hello was answered): heap per connection
//   in        50 clients send, at most `window` unacknowledged each: messages/s, server CPU per message
//   out       the server pushes to 50 clients (lifeline.send, ws.send, socket.emit): the same figures
//   churn     sessions made and closed, then expired (lifeline), or connections opened and closed
//             (raw ws): heap after expiry vs before
// Every phase also reads the event loop's worst delay in the server process.
// capacity (once, after the rounds): as many idle connections as two client
// processes open within a bounded time, and what stopped them.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { start } from "./ipc.mjs";
import { haveRedis, startRedis } from "./redis.mjs";

const file = (path) => fileURLToPath(new URL(path, import.meta.url));
const TARGET = file("./target.mjs");
const LOAD = file("./load.mjs");

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
  in: { clients: 50, perClient: by64(2_048), window: 256 },
  out: { clients: 50, perClient: by64(2_048), batch: 16 },
  churn: { count: scaled(20_000), concurrency: 200, kinds: ["ws", "lifeline-memory", "lifeline-redis"] },
  /** Two client processes, so that the server's descriptors run out before theirs; both stores (with Redis the node also holds its connections to redis-server, where the sessions live). */
  capacity: { boundMs: scaled(40_000), processes: 2, kinds: ["ws", "lifeline-memory", "lifeline-redis"] },
};
/** BENCH_PROFILE=lifeline-redis (or several kinds, comma-separated) writes a V8 CPU profile of those servers to bench/server/profiles/. */
const PROFILE = process.env.BENCH_PROFILE;
const serverFlags = (kind) => ["--expose-gc", ...(PROFILE?.split(",").includes(kind) ? ["--cpu-prof", `--cpu-prof-dir=${file("./profiles")}`] : [])];
/** The descriptor limit the bench's processes get: `ulimit -n` raised to the hard limit (ipc.mjs). */
export const FD_LIMIT = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim()) || undefined;

const cpuMicros = (a, b) => b.user - a.user + (b.system - a.system);

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

/** Messages/s, the server process's CPU per message, and Redis's (µs), over one phase. */
function rates(n, seconds, mark, read, redisMicros) {
  return {
    perSecond: n / seconds,
    cpuPerMessage: cpuMicros(mark.cpu, read.cpu) / n,
    ...(redisMicros !== undefined && { redisCpuPerMessage: redisMicros / n }),
    loopMaxMs: read.loopMaxMs,
    blockMs: read.blockMs,
    // when the worst block ended, in µs of the monotonic clock: the time base of a --cpu-prof profile (profile.mjs)
    blockAt: read.blockAt,
  };
}

/** Redis commands per message, and Redis's µs in each, from its command statistics (scripts' inner commands included). */
function perMessageCommands(stats, n) {
  return Object.fromEntries(
    Object.entries(stats)
      .filter(([name]) => !["config", "info", "dbsize", "flushall"].includes(name))
      .map(([name, { calls, usec }]) => [name, { calls: calls / n, us: usec / n }]),
  );
}

/** One round of one server kind: every wanted phase in one target process. */
async function runKind(kind, round, redis, wanted, progress) {
  const c = SERVER_CONFIG;
  const target = await start(TARGET, [kind, redis?.url ?? "", c.sessionTtl, c.replayMax], { execArgv: serverFlags(kind), what: `${kind} server` });
  const load = await start(LOAD, [], { what: `${kind} clients` });
  const url = `${kind === "socketio" ? "http" : "ws"}://127.0.0.1:${target.ready.port}/`;
  const redisCpu = () => (kind === "lifeline-redis" ? redis.cpuMicros() : undefined);
  const commands = (n) => (kind === "lifeline-redis" ? { redisCommands: perMessageCommands(redis.commandStats(), n) } : {});
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
    if (wanted("serverIn")) {
      progress(`server client→server round ${round + 1}: ${kind}`);
      await load.call("open", { kind, url, count: c.in.clients, prefix: `in-${round}` });
      const mark = await target.call("mark");
      if (kind === "lifeline-redis") redis.resetStats();
      const redis0 = redisCpu();
      const { started, done, clientCpuMicros } = await load.call("inbound", { perClient: c.in.perClient, window: c.in.window }, 180_000);
      const read = await target.call("read");
      const n = read.received - mark.received;
      if (n !== c.in.clients * c.in.perClient) throw new Error(`in: the server handled ${n} messages, ${c.in.clients * c.in.perClient} were sent`);
      out.in = {
        ...rates(n, (done - started) / 1000, mark, read, redis0 === undefined ? undefined : redisCpu() - redis0),
        ...commands(n),
        clientCpuPerMessage: clientCpuMicros / n,
      };
      await load.call("closeAll", {}, 60_000);
    }
    if (wanted("serverOut")) {
      progress(`server server→client round ${round + 1}: ${kind}`);
      const { sessions } = await load.call("open", { kind, url, count: c.out.clients, prefix: `out-${round}` });
      const before = await target.call("heap");
      const mark = await target.call("mark");
      if (kind === "lifeline-redis") redis.resetStats();
      const redis0 = redisCpu();
      const expecting = load.call("expect", { total: c.out.perClient }, 180_000);
      const { started } = await target.call("push", { perConnection: c.out.perClient, batch: c.out.batch, sessions }, 180_000);
      const { done } = await expecting;
      const read = await target.call("read");
      const n = c.out.clients * c.out.perClient;
      out.out = { ...rates(n, (done - started) / 1000, mark, read, redis0 === undefined ? undefined : redisCpu() - redis0), ...commands(n) };
      // what the server still holds once every message is delivered (and, for lifeline, acknowledged)
      out.out.kept = (await target.call("heap")) - before;
      await load.call("closeAll", {}, 60_000);
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
    await load.stop();
    await target.stop();
  }
  return out;
}

/** Capacity: two client processes open up to the descriptor limit's worth of idle connections, bounded in time. */
async function capacity(kind, redis, progress) {
  const c = SERVER_CONFIG.capacity;
  const target = await start(TARGET, [kind, redis?.url ?? "", SERVER_CONFIG.sessionTtl, SERVER_CONFIG.replayMax], { execArgv: serverFlags(kind), what: `${kind} server` });
  const loads = await Promise.all(Array.from({ length: c.processes }, (_, i) => start(LOAD, [], { what: `${kind} clients ${i}` })));
  const url = `${kind === "socketio" ? "http" : "ws"}://127.0.0.1:${target.ready.port}/`;
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
    await Promise.all(loads.map((load) => load.stop()));
    await target.stop();
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
    for (let round = 0; round < rounds; round++) {
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
      for (const kind of order) {
        redis?.flush();
        try {
          byKind[kind][round] = await runKind(kind, round, redis, wanted, progress);
        } catch (error) {
          failures.push(`server ${kind} round ${round + 1}: ${error instanceof Error ? error.message : String(error)}`);
          progress(`FAILED ${failures.at(-1)}`);
        }
      }
    }
    if (wanted("serverCapacity")) {
      capacities = {};
      for (const kind of kinds.filter((k) => SERVER_CONFIG.capacity.kinds.includes(k))) {
        try {
          capacities[kind] = await capacity(kind, redis, progress);
        } catch (error) {
          failures.push(`server capacity ${kind}: ${error instanceof Error ? error.message : String(error)}`);
          progress(`FAILED ${failures.at(-1)}`);
        }
      }
    }
  } finally {
    await redis?.stop();
  }
  return { kinds, rounds: byKind, capacity: capacities, failures, config: SERVER_CONFIG, fdLimit: FD_LIMIT };
}
