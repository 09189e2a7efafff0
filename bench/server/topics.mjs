// The topics bench: one server process, one topic with 1,000 subscribers
// (connections in a second process), publications fanned out; side by side in
// one run: a raw `ws` loop over the sockets, socket.io rooms, lifeline's
// publish() with the memory store and with the Redis store.
//   npm run bench:topics      (from bench/; BENCH_QUICK=1 for a short run, BENCH_ROUNDS=n)
// Per round and server: a burst (publications as fast as the server's loop
// turns; delivered messages/s and server CPU per delivered message), then a
// paced run (one publication every 100 ms, a load every column keeps up with;
// publish-to-delivery latency p50/p99 from the time in the payload).
// Output: a Markdown table and the budget verdict on stdout, the figures under
// "topics" in bench/results.json and the topics block of docs/performance.md.
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { start } from "./ipc.mjs";
import { haveRedis, startRedis } from "./redis.mjs";
import { fmtFixed, fmtInt, fmtRange, fmtRatio, summary, table } from "../report.mjs";

const file = (path) => fileURLToPath(new URL(path, import.meta.url));
const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3)));
const SUBSCRIBERS = 1_000;
const BURST = QUICK ? 100 : 200;
const PACED = QUICK ? 30 : 100;
const INTERVAL_MS = 100;
const KINDS = ["ws", "socketio", "lifeline-memory", ...(haveRedis() ? ["lifeline-redis"] : [])];
const NAMES = { ws: "raw `ws` loop", socketio: "socket.io 4.8 rooms", "lifeline-memory": "lifeline, memory", "lifeline-redis": "lifeline, Redis" };
/** Budget: lifeline (memory store) server CPU per delivered message ≤ 1.3× the raw loop, and below socket.io's. */
const BUDGET = 1.3;

const begun = Date.now();
const progress = (text) => process.stderr.write(`[topics ${((Date.now() - begun) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
const cpuMicros = (a, b) => b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system;

async function runOne(kind, redis) {
  redis?.flush();
  const target = await start(file("./topics-target.mjs"), [kind, ...(redis ? [redis.url] : [])], { what: `topics server ${kind}` });
  const load = await start(file("./topics-load.mjs"), [], { what: "topics subscribers" });
  try {
    const url = `ws://127.0.0.1:${target.ready.port}`;
    await load.call("open", { kind, url, count: SUBSCRIBERS }, 120_000);
    // burst: throughput and CPU per delivered message
    await load.call("reset");
    const before = await target.call("mark");
    const redisBefore = redis?.cpuMicros();
    await target.call("burst", { count: BURST, from: 1 }, 120_000);
    const burst = await load.call("wait", { expected: BURST * SUBSCRIBERS, timeoutMs: 60_000 }, 70_000);
    const after = await target.call("read");
    const redisCpu = redis ? redis.cpuMicros() - redisBefore : undefined;
    // paced: latency
    await load.call("reset");
    await target.call("paced", { count: PACED, from: BURST + 1, intervalMs: INTERVAL_MS }, 120_000);
    const paced = await load.call("wait", { expected: PACED * SUBSCRIBERS, timeoutMs: 30_000 }, 40_000);
    await load.call("close");
    return {
      delivered: burst.delivered,
      expected: BURST * SUBSCRIBERS,
      gaps: burst.gaps + paced.gaps,
      perSecond: burst.delivered / ((burst.lastAt - before.at) / 1000),
      cpuPerDelivered: cpuMicros(before, after) / burst.delivered,
      redisPerDelivered: redisCpu === undefined ? undefined : redisCpu / burst.delivered,
      burstP50: burst.p50,
      burstP99: burst.p99,
      p50: paced.p50,
      p99: paced.p99,
      pacedDelivered: paced.delivered,
    };
  } finally {
    await load.stop();
    await target.stop();
  }
}

const redis = KINDS.includes("lifeline-redis") ? await startRedis() : undefined;
const runs = Object.fromEntries(KINDS.map((kind) => [kind, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < KINDS.length; i++) {
      const kind = KINDS[(i + round) % KINDS.length];
      progress(`round ${round + 1}/${ROUNDS}: ${kind}`);
      runs[kind][round] = await runOne(kind, kind === "lifeline-redis" ? redis : undefined);
    }
  }
} finally {
  await redis?.stop();
}

const stat = (kind, key) => summary(runs[kind].map((run) => run?.[key]));
const ratio = (kind, key, base) => summary(runs[kind].map((run, i) => run?.[key] / runs[base][i]?.[key]));
const row = (label, f) => [label, ...KINDS.map((kind) => f(kind))];
const ms = (v) => `${fmtFixed(v, 1)} ms`;
const figures = Object.fromEntries(
  KINDS.map((kind) => [
    kind,
    {
      perSecond: stat(kind, "perSecond"),
      cpuPerDelivered: stat(kind, "cpuPerDelivered"),
      cpuRatio: ratio(kind, "cpuPerDelivered", "ws"),
      redisPerDelivered: stat(kind, "redisPerDelivered"),
      p50: stat(kind, "p50"),
      p99: stat(kind, "p99"),
      burstP50: stat(kind, "burstP50"),
      burstP99: stat(kind, "burstP99"),
      rounds: runs[kind],
    },
  ]),
);
const lost = KINDS.map((kind) => [kind, runs[kind].reduce((n, r) => n + (r ? r.expected - r.delivered + (PACED * SUBSCRIBERS - r.pacedDelivered) : 0), 0), runs[kind].reduce((n, r) => n + (r?.gaps ?? 0), 0)]);
const rows = [
  row("delivered messages/s (burst)", (k) => fmtRange(figures[k].perSecond, fmtInt)),
  row("server CPU µs / delivered message", (k) => fmtRange(figures[k].cpuPerDelivered, (v) => fmtFixed(v, 2))),
  row("  × raw loop", (k) => fmtRange(figures[k].cpuRatio, fmtRatio)),
  row("  Redis's own CPU µs / delivered message", (k) => (k === "lifeline-redis" ? `+${fmtRange(figures[k].redisPerDelivered, (v) => fmtFixed(v, 2))}` : "")),
  row(`publish→delivery p50 (one every ${INTERVAL_MS} ms)`, (k) => fmtRange(figures[k].p50, ms)),
  row(`publish→delivery p99 (one every ${INTERVAL_MS} ms)`, (k) => fmtRange(figures[k].p99, ms)),
  row("publish→delivery p50 / p99 in the burst (queueing)", (k) => `${ms(figures[k].burstP50?.median)} / ${ms(figures[k].burstP99?.median)}`),
  row("messages not delivered / gaps", (k) => lost.find(([kind]) => kind === k).slice(1).join(" / ")),
];
const memCpu = figures["lifeline-memory"].cpuPerDelivered.median;
const ioCpu = figures.socketio.cpuPerDelivered.median;
const memRatio = figures["lifeline-memory"].cpuRatio.median;
const met = memRatio <= BUDGET && memCpu < ioCpu;
const verdicts = [
  ["lifeline (memory) server CPU per delivered message ≤ 1.3× the raw loop", fmtRatio(memRatio), memRatio <= BUDGET],
  ["… and below socket.io rooms'", `${fmtFixed(memCpu, 2)} µs vs ${fmtFixed(ioCpu, 2)} µs`, memCpu < ioCpu],
];
const cpus = os.cpus();
const header = `Run of ${new Date().toISOString()} on ${cpus[0]?.model.split(" ").slice(0, 2).join(" ")}, ${cpus.length} cores, Node ${process.version}; ${SUBSCRIBERS.toLocaleString("en-US")} subscribers of one topic in one client process, one server process per column; ${BURST} publications in the burst, ${PACED} paced; median (min–max) of ${ROUNDS} round(s)${QUICK ? " (BENCH_QUICK)" : ""}.`;
const block = [
  header,
  table(["measure", ...KINDS.map((k) => NAMES[k])], rows),
  "#### Topics budget",
  table(["budget", "lifeline", "met"], verdicts.map(([what, figure, ok]) => [what, figure, ok ? "yes" : "**no**"])),
].join("\n\n");
process.stdout.write(`\n## Topics\n\n${block}\n\nBudget ${met ? "met" : "NOT met"}: lifeline (memory) ${fmtRatio(memRatio)} the raw loop's CPU per delivered message, socket.io ${fmtRatio(figures.socketio.cpuRatio.median)}.\n`);

if (!QUICK && !process.env.BENCH_ROUNDS) {
  const resultsFile = file("../results.json");
  const results = JSON.parse(readFileSync(resultsFile, "utf8"));
  writeFileSync(resultsFile, `${JSON.stringify({ ...results, topics: { date: new Date().toISOString(), verdicts, ...figures } }, null, 2)}\n`);
  const docFile = file("../../docs/performance.md");
  const doc = readFileSync(docFile, "utf8");
  const begin = "<!-- bench:topics:start -->";
  const end = "<!-- bench:topics:end -->";
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`docs/performance.md has no ${begin} … ${end} block`);
  writeFileSync(docFile, `${doc.slice(0, i + begin.length)}\n<!-- generated by npm run bench:topics; do not edit by hand -->\n\n${block}\n\n${doc.slice(j)}`);
  progress("wrote the topics block of docs/performance.md and the \"topics\" key of bench/results.json");
}
process.exitCode = met ? 0 : 1;
