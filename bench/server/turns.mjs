// The server bench's two rate phases, client→server ("in") and
// server→client ("out"), measured in turns. Run one kind after another, the
// rates moved with the machine: in one run raw `ws`'s server CPU per message
// read 12.0, 8.1 and 7.1 µs in its three rounds, and the clients' own CPU
// moved with it, so a ratio of two kinds measured a minute apart was mostly
// the VM's weather. Here every kind's server (target.mjs) and clients
// (load.mjs) are up at once, with their connections open, and the kinds take
// turns in short bursts, in a shuffled order per cycle. A kind's figure in a
// round is the median over its bursts, and its ratio to raw `ws` the median
// of the per-cycle ratios to raw's burst of the same cycle.
import { fileURLToPath } from "node:url";
import { median } from "../report.mjs";
import { start } from "./ipc.mjs";

const file = (path) => fileURLToPath(new URL(path, import.meta.url));
const TARGET = file("./target.mjs");
const LOAD = file("./load.mjs");

const cpuMicros = (a, b) => b.user - a.user + (b.system - a.system);

/** A kind's server and `processes` processes of its clients (`load` is the first); `url` is where the clients connect. */
export async function startKind(kind, redis, { sessionTtl, replayMax, execArgv }, processes = 1) {
  const target = await start(TARGET, [kind, redis?.url ?? "", sessionTtl, replayMax], { execArgv, what: `${kind} server` });
  const loads = await Promise.allSettled(Array.from({ length: processes }, (_, i) => start(LOAD, [], { what: `${kind} clients ${i}` })));
  const started = loads.filter((l) => l.status === "fulfilled").map((l) => l.value);
  const stop = () => Promise.all([...started.map((l) => l.stop()), target.stop()]);
  if (started.length < processes) {
    await stop();
    throw loads.find((l) => l.status === "rejected").reason;
  }
  const url = `${kind === "socketio" ? "http" : "ws"}://127.0.0.1:${target.ready.port}/`;
  return { kind, target, load: started[0], loads: started, url, stop };
}

/** Redis commands per message, and Redis's µs in each, from its command statistics (scripts' inner commands included). */
function perMessageCommands(stats, n) {
  return Object.fromEntries(
    Object.entries(stats)
      .filter(([name]) => !["config", "info", "dbsize", "flushall"].includes(name))
      .map(([name, { calls, usec }]) => [name, { calls: calls / n, us: usec / n }]),
  );
}

/** Drives one burst of one kind's clients (in) or server (out): the messages it carried, when it started and ended, and what the clients report. */
async function drive(k, phase, cycle, config, sessions) {
  const n = config.clients * config.perBurst;
  if (phase === "in") {
    const { started, done, clientCpuMicros, acks } = await k.load.call("inbound", { perClient: config.perBurst, window: config.window }, 180_000);
    // on a 2-core machine the rate follows both processes' CPU: the clients' own per message, and the acks they got
    return { n, started, done, clients: { clientCpuPerMessage: clientCpuMicros / n, acksPerMessage: acks / n } };
  }
  // the clients count what they received since they opened: this burst ends at the cycle's total
  const expecting = k.load.call("expect", { total: (cycle + 1) * config.perBurst }, 180_000);
  const { started } = await k.target.call("push", { perConnection: config.perBurst, batch: config.batch, sessions }, 180_000);
  const { done } = await expecting;
  return { n, started, done, clients: {} };
}

/** One burst of one kind: messages/s, the server's CPU per message, Redis's, and the loop's worst in it. */
async function burst(k, phase, cycle, config, redis, sessions) {
  const redisCpu = k.kind === "lifeline-redis" ? redis.cpuMicros() : undefined;
  const mark = await k.target.call("mark");
  const { n, started, done, clients } = await drive(k, phase, cycle, config, sessions);
  const read = await k.target.call("read");
  if (phase === "in" && read.received - mark.received !== n) throw new Error(`in: the ${k.kind} server handled ${read.received - mark.received} messages, ${n} were sent`);
  return {
    n,
    perSecond: n / ((done - started) / 1000),
    cpuPerMessage: cpuMicros(mark.cpu, read.cpu) / n,
    ...(redisCpu !== undefined && { redisCpuPerMessage: (redis.cpuMicros() - redisCpu) / n }),
    ...clients,
    loopMaxMs: read.loopMaxMs,
    blockMs: read.blockMs,
    blockAt: read.blockAt,
  };
}

const shuffled = (list) => {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

/**
 * One phase ("in" or "out") of one round, every kind taking turns: `warmup`
 * cycles, then `cycles` measured ones. Returns per kind the phase's figures.
 */
async function phase(name, up, config, round, redis, progress) {
  progress(`server ${name === "in" ? "client→server" : "server→client"} round ${round + 1}: ${up.map((k) => k.kind).join(", ")} in turns of ${config.clients} × ${config.perBurst}`);
  const sessions = new Map();
  const heapBefore = new Map();
  for (const k of up) {
    sessions.set(k, (await k.load.call("open", { kind: k.kind, url: k.url, count: config.clients, prefix: `${name}-${round}` })).sessions);
    heapBefore.set(k, await k.target.call("heap"));
  }
  const bursts = Object.fromEntries(up.map((k) => [k.kind, []]));
  const redisKind = up.find((k) => k.kind === "lifeline-redis");
  for (let cycle = 0; cycle < config.warmup + config.cycles; cycle++) {
    if (cycle === config.warmup && redisKind) redis.resetStats();
    for (const k of shuffled(up)) {
      const b = await burst(k, name, cycle, config, redis, sessions.get(k));
      if (cycle >= config.warmup) bursts[k.kind].push(b);
    }
  }
  const raw = bursts.ws;
  const out = {};
  for (const k of up) {
    const list = bursts[k.kind];
    const pick = (key) => median(list.map((b) => b[key]));
    const toRaw = (key) => median(list.map((b, i) => b[key] / raw[i][key]));
    const worst = list.reduce((w, b) => (b.blockMs > w.blockMs ? b : w), list[0]);
    out[k.kind] = {
      perSecond: pick("perSecond"),
      cpuPerMessage: pick("cpuPerMessage"),
      ...(k === redisKind && {
        redisCpuPerMessage: pick("redisCpuPerMessage"),
        redisCommands: perMessageCommands(redis.commandStats(), list.reduce((sum, b) => sum + b.n, 0)),
      }),
      ...(name === "in" && { clientCpuPerMessage: pick("clientCpuPerMessage"), acksPerMessage: pick("acksPerMessage") }),
      toRaw: { perSecond: toRaw("perSecond"), cpuPerMessage: toRaw("cpuPerMessage") },
      loopMaxMs: Math.max(...list.map((b) => b.loopMaxMs)),
      blockMs: worst.blockMs,
      blockAt: worst.blockAt,
      bursts: list.length,
    };
    // what the server still holds once every message is delivered (and, for lifeline, acknowledged)
    if (name === "out") out[k.kind].kept = (await k.target.call("heap")) - heapBefore.get(k);
    await k.load.call("closeAll", {}, 60_000);
  }
  return out;
}

/** The wanted rate phases of one round, every kind up at once; per kind `{ in, out }`. */
export async function rateTurns({ kinds, round, redis, wanted, progress, config, options }) {
  const up = [];
  try {
    for (const kind of kinds) up.push(await startKind(kind, redis, options(kind)));
    const byKind = Object.fromEntries(kinds.map((k) => [k, {}]));
    for (const name of ["in", "out"]) {
      if (!wanted(name === "in" ? "serverIn" : "serverOut")) continue;
      const figures = await phase(name, up, config[name], round, redis, progress);
      for (const kind of kinds) byKind[kind][name] = figures[kind];
    }
    return byKind;
  } finally {
    await Promise.all(up.map((k) => k.stop()));
  }
}
