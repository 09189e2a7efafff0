// npm run bench: lifeline against the raw global WebSocket, partysocket and
// reconnecting-websocket, on loopback. Every runtime measure runs one library
// per child process (worker.mjs), and each worker talks to a server in a
// separate process (server.mjs), so what is measured is the client's cost.
// Libraries alternate within each round (the order rotates per round); the
// tables show the median of the rounds and their min–max. Throughput and
// round trip are the exception: there the libraries share one worker process
// and take turns in short bursts (see throughput() and roundTrip() in
// worker.mjs), so their ratios compare turns run under the same machine state.
//
// Output: Markdown tables on stdout, bench/results.json, bench/herd.svg (copied
// to docs/herd.svg), and the figures block of docs/performance.md.
// BENCH_ROUNDS=n sets the number of rounds of every measure (default 5), e.g.
// 1 for a quick look.
// BENCH_ONLY=throughput,roundTrip runs only those measures (sizes, hotPath,
// throughput, roundTrip, memory, herd, halfOpen; the server's serverIdle,
// serverIn, serverOut, serverChurn, serverCapacity, serverTopics; "client" and
// "server" name either whole part) and prints their tables. Files are written for a
// part that ran whole: `npm run bench:server` (BENCH_ONLY=server) updates the
// server's block of docs/performance.md and the "server" key of results.json.
// BENCH_QUICK=1 divides the server bench's counts by 10 (server/measure.mjs).
// serverTopics (one topic, 1,000 subscribers) runs server/topics.mjs in a child
// process, as `npm run bench:topics` does; it writes its own block and key.
import { fork, spawn, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { LIBRARIES, NAMES, RECONNECTING } from "./libs.mjs";
import {
  fmtBytes,
  fmtFixed,
  fmtInt,
  fmtRange,
  fmtRatio,
  fmtSeconds,
  herdSvg,
  median,
  peakInWindow,
  percentile,
  summary,
  table,
} from "./report.mjs";
import { measureHotPath } from "./hot-path.mjs";
import { measureSizes } from "./sizes.mjs";
import { SERVER_MEASURES, measureServer } from "./server/measure.mjs";
import { serverMarkdown, serverVerdicts } from "./server/report.mjs";

const file = (path) => fileURLToPath(new URL(path, import.meta.url));
const WORKER = file("./worker.mjs");
const DOC = file("../docs/performance.md");

// BENCH_ROUNDS sets every measure's count of rounds.
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const CLIENT_MEASURES = ["sizes", "hotPath", "throughput", "roundTrip", "memory", "herd", "halfOpen"];
const TOPICS_MEASURE = "serverTopics";
const MEASURES = [...CLIENT_MEASURES, ...SERVER_MEASURES, TOPICS_MEASURE];
const PARTS = { client: CLIENT_MEASURES, server: [...SERVER_MEASURES, TOPICS_MEASURE] };
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",").flatMap((m) => PARTS[m.trim()] ?? [m.trim()]) : MEASURES;
const unknown = ONLY.filter((m) => !MEASURES.includes(m));
if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown measure(s) ${unknown.join(", ")}; known: ${MEASURES.join(", ")}, client, server`);
const wanted = (measure) => ONLY.includes(measure);
const CLIENT_WHOLE = CLIENT_MEASURES.every(wanted);
const SERVER_WHOLE = SERVER_MEASURES.every(wanted);
const CLIENT_ANY = CLIENT_MEASURES.some(wanted);
const CONFIG = {
  // per worker process: `warmup` cycles, then `cycles` cycles of one burst of `batch` messages per library
  throughput: { batch: 2_000, warmup: 10, cycles: 60 },
  // per worker process: `warmup` cycles (enough for the optimizing compiler to reach every
  // library's message path), then `cycles` cycles of `trips` round trips per library
  roundTrip: { trips: 500, warmup: 10, cycles: 30 },
  memory: { count: 1_000 },
  herd: { count: 500, downMs: 1_000, boundMs: 60_000 },
  // the freeze comes 100 ms after lifeline's first ping was answered: the
  // worst case for detection, which then takes interval + timeout − 100 ms
  halfOpen: { heartbeat: { interval: 1_000, timeout: 1_000 }, freezeAfterMs: 1_100, boundMs: 15_000 },
};
// A round trip is serial (client and server never run at the same time), so
// both processes go on one CPU: a loopback round trip between two CPUs of a VM
// is either ~15 µs or ~70 µs depending on whether the other vCPU was asleep,
// and that noise would swamp the client's share. Needs taskset (util-linux).
const PIN_CPU = spawnSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" }).status === 0 ? os.cpus().length - 1 : undefined;

// DESIGN.md's budgets: 3.0 kB for an app on the core's defaults, 6.0 kB with every entry point,
// +1 KiB per idle client above a raw WebSocket, ≤ 1.05× a raw WebSocket's CPU per echoed message.
const TARGETS = { sizeGzip: 3_000, sizeAllGzip: 8_000, cpuPerMessage: 1.05, cpuPerMessageAck: 1.15, roundTrip: 1.05, memoryAbove: 1_024, herdPeak: 1 / 3, herdP99: 2, halfOpenSlack: 100 };

const started = Date.now();
const failures = [];
const progress = (text) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);

/**
 * Runs one job in a worker process; resolves with its result, or undefined (recorded as a failure).
 * `cpu` pins the worker (and its server, unless `serverCpu` pins that elsewhere) to one CPU.
 */
function runJob(job, { gc = false, timeoutMs = 120_000, cpu, serverCpu = cpu } = {}) {
  return new Promise((resolve) => {
    const execArgv = gc ? ["--expose-gc"] : [];
    const where = cpu === undefined ? { execArgv } : { execPath: "taskset", execArgv: ["-c", String(cpu), process.execPath, ...execArgv] };
    // the worker passes job.serverCpu on to its server
    if (serverCpu !== undefined) job = { ...job, serverCpu };
    const child = fork(WORKER, [JSON.stringify(job)], { ...where, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let settled = false;
    const finish = (result, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        failures.push(`${job.measure} ${job.lib ?? job.libs}: ${error}`);
        progress(`FAILED ${job.measure} ${job.lib ?? job.libs}: ${error}`);
      }
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(undefined, `no result within ${timeoutMs} ms`);
    }, timeoutMs);
    child.on("message", (message) => (message.ok ? finish(message.result) : finish(undefined, message.error)));
    child.on("exit", (code) => finish(undefined, `worker exited with ${code} and no result`));
  });
}

/** Each round runs every library once, in an order that rotates per round. */
async function rounds(measure, libs, options, count = ROUNDS) {
  const results = Object.fromEntries(libs.map((lib) => [lib, []]));
  for (let round = 0; round < count; round++) {
    const order = libs.map((_, i) => libs[(i + round) % libs.length]);
    for (const lib of order) {
      progress(`${measure} round ${round + 1}/${count}: ${lib}`);
      results[lib][round] = await runJob({ measure, lib, ...CONFIG[measure] }, options);
    }
  }
  return results;
}

const field = (runs, key) => runs.map((run) => run?.[key]);

// ---- 1. bundle size -----------------------------------------------------------

if (wanted("sizes")) progress("bundle sizes");
const sizes = wanted("sizes") ? await measureSizes() : undefined;

// ---- 1b. the client's own cost per message (in process, no network) -----------------

if (wanted("hotPath")) progress("hot path (in process)");
const hotPath = wanted("hotPath") ? await measureHotPath() : undefined;

// ---- 2. throughput --------------------------------------------------------------

// The libraries measured together take turns in one worker process (worker.mjs, throughput()),
// so each ratio to raw is taken between bursts that ran under the same machine state, a few
// hundred milliseconds apart. Every group has raw, the baseline of its ratios. lifeline on its
// defaults has a process of its own with raw and a second raw socket: the ratio of the two raw
// sockets shows how far two equal clients measure apart (the noise floor of the CPU ratio).
const THROUGHPUT_GROUPS = [
  ["raw", "raw-again", "lifeline"],
  ["raw", "lifeline+zod", "lifeline+ack"],
  ["raw", "partysocket", "reconnecting-websocket"],
];
const THROUGHPUT_LIBS = ["raw", "raw-again", "lifeline", "lifeline+zod", "lifeline+ack", "partysocket", "reconnecting-websocket"];
// The client on one CPU, its server on the other: neither is moved between CPUs while measured.
const THROUGHPUT_PIN = PIN_CPU === undefined || PIN_CPU === 0 ? {} : { cpu: 0, serverCpu: PIN_CPU };
const THROUGHPUT_ROUNDS = process.env.BENCH_ROUNDS ? ROUNDS : 5;

/**
 * Runs `measure` in turns (worker.mjs) for each group of libraries, `rounds` times. Per library
 * and round: `describe(own, paired)` of its windows, where `paired(key)` is the median of the
 * per-cycle ratios to raw's window of the same cycle. raw's row is the one of the first group.
 */
async function inTurns(measure, groups, rounds, pin, seedBase, describe) {
  const byLib = {};
  for (let round = 0; round < rounds; round++) {
    for (const [g, libs] of groups.entries()) {
      progress(`${measure} round ${round + 1}/${rounds}: ${libs.join(", ")}`);
      const job = { measure, libs, ...CONFIG[measure], seed: seedBase + round * groups.length + g };
      const windows = await runJob(job, pin);
      for (const lib of libs) {
        if (lib === "raw" && g > 0) continue;
        const own = windows?.[lib];
        const base = windows?.raw;
        (byLib[lib] ??= [])[round] = own && describe(own, (key) => median(own[key].map((value, i) => value / base[key][i])));
      }
    }
  }
  return byLib;
}

/** Per library, the rounds' figures: medians over the round's bursts, and ratios to raw's burst of the same cycle. */
async function measureThroughput() {
  const byLib = await inTurns("throughput", THROUGHPUT_GROUPS, THROUGHPUT_ROUNDS, THROUGHPUT_PIN, 1, (own, paired) => ({
    perSecond: median(own.perSecond),
    ratio: paired("perSecond"),
    cpuPerMessage: median(own.cpuPerMessage),
    cpuRatio: paired("cpuPerMessage"),
    bursts: own.cpuPerMessage.length,
    windows: { cpuPerMessage: own.cpuPerMessage.map((v) => Math.round(v * 1000) / 1000), perSecond: own.perSecond.map(Math.round) },
  }));
  return Object.fromEntries(
    THROUGHPUT_LIBS.map((lib) => {
      const perRound = byLib[lib];
      const stat = (key) => summary(field(perRound, key));
      return [lib, { perSecond: stat("perSecond"), ratio: stat("ratio"), cpu: stat("cpuPerMessage"), cpuRatio: stat("cpuRatio"), rounds: perRound }];
    }),
  );
}
const throughput = wanted("throughput") ? await measureThroughput() : undefined;

// ---- 3. round trip ----------------------------------------------------------------

// As throughput: the libraries take turns in one worker process, each ratio is taken against raw's
// turn of the same cycle, and a second raw socket shows the noise floor. Acknowledged delivery is
// measured beside raw too (same server, which acks envelopes).
const RTT_GROUPS = [
  ["raw", "raw-again", "lifeline"],
  ["raw", "lifeline+ack"],
  ["raw", "partysocket", "reconnecting-websocket"],
];
const RTT_LIBS = ["raw", "raw-again", "lifeline", "lifeline+ack", "partysocket", "reconnecting-websocket"];
const RTT_ROUNDS = ROUNDS;

/** Per library, the rounds' figures: medians over the round's turns, and ratios to raw's turn of the same cycle. */
async function measureRoundTrip() {
  // a round trip is serial: client and server on the same CPU (see PIN_CPU)
  const byLib = await inTurns("roundTrip", RTT_GROUPS, RTT_ROUNDS, { cpu: PIN_CPU }, 1_000, (own, paired) => ({
    p50: median(own.p50),
    p99: median(own.p99),
    cpuPerTrip: median(own.cpuPerTrip),
    p50Ratio: paired("p50"),
    p99Ratio: paired("p99"),
    cpuRatio: paired("cpuPerTrip"),
    turns: own.p50.length,
  }));
  return Object.fromEntries(
    RTT_LIBS.map((lib) => {
      const perRound = byLib[lib];
      const stat = (key) => summary(field(perRound, key));
      return [
        lib,
        { p50: stat("p50"), p99: stat("p99"), p50Ratio: stat("p50Ratio"), p99Ratio: stat("p99Ratio"), cpu: stat("cpuPerTrip"), cpuRatio: stat("cpuRatio"), rounds: perRound },
      ];
    }),
  );
}
const roundTrip = wanted("roundTrip") ? await measureRoundTrip() : undefined;

// ---- 4. memory ----------------------------------------------------------------------

async function measureMemory() {
  const memoryRuns = await rounds("memory", LIBRARIES, { gc: true });
  return Object.fromEntries(
    LIBRARIES.map((lib) => {
      const runs = memoryRuns[lib];
      const above = runs.map((run, i) => (run && memoryRuns.raw[i] ? run.perClient - memoryRuns.raw[i].perClient : undefined));
      return [lib, { perClient: summary(field(runs, "perClient")), aboveRaw: summary(above), rounds: runs }];
    }),
  );
}
const memory = wanted("memory") ? await measureMemory() : undefined;

// ---- 5. herd --------------------------------------------------------------------------

async function measureHerd() {
  const herdRuns = await rounds("herd", RECONNECTING, { timeoutMs: CONFIG.herd.boundMs + 60_000 });
  return Object.fromEntries(
    RECONNECTING.map((lib) => {
      const runs = herdRuns[lib].map((run) =>
        run
          ? {
              p50: percentile(run.times, 50),
              p99: percentile(run.times, 99),
              max: run.times.at(-1),
              peak: peakInWindow(run.times, 100),
              notBack: run.notBack,
              downMs: run.downMs,
              times: run.times,
            }
          : undefined,
      );
      const stat = (key) => summary(runs.map((r) => r?.[key]));
      return [lib, { p50: stat("p50"), p99: stat("p99"), max: stat("max"), peak: stat("peak"), notBack: stat("notBack"), downMs: stat("downMs"), rounds: runs }];
    }),
  );
}
const herd = wanted("herd") ? await measureHerd() : undefined;

// ---- 6. half-open ------------------------------------------------------------------------

async function measureHalfOpen() {
  // The lines are idle and the measure is bound by timers, so the rounds run side
  // by side (one client per round, each with its own pair of listeners) and the
  // libraries at the same time; this keeps the 15 s bound from costing 15 s per round.
  progress(`half-open: ${ROUNDS} rounds side by side for ${RECONNECTING.join(", ")}`);
  const halfOpenResults = await Promise.all(
    RECONNECTING.map((lib) => runJob({ measure: "halfOpen", lib, samples: ROUNDS, ...CONFIG.halfOpen }, { timeoutMs: 60_000 })),
  );
  return Object.fromEntries(
    RECONNECTING.map((lib, i) => {
      const run = halfOpenResults[i];
      const never = (values) => (values ?? []).filter((v) => v === null).length;
      return [
        lib,
        {
          detected: summary(run?.detected ?? []),
          reconnected: summary(run?.reconnected ?? []),
          neverDetected: never(run?.detected),
          neverReconnected: never(run?.reconnected),
          rounds: run,
        },
      ];
    }),
  );
}
const halfOpen = wanted("halfOpen") ? await measureHalfOpen() : undefined;

// ---- 7. the server (server/*.mjs) --------------------------------------------------------

// 3 rounds unless BENCH_ROUNDS says otherwise: a round of the four servers takes about a minute
const SERVER_ROUNDS = process.env.BENCH_ROUNDS ? ROUNDS : 3;
const server = SERVER_MEASURES.some(wanted) ? await measureServer({ rounds: SERVER_ROUNDS, wanted, progress }) : undefined;
failures.push(...(server?.failures ?? []));

// the topics bench: its own child (server/topics.mjs), which prints its table and verdict
if (wanted(TOPICS_MEASURE)) {
  progress("topics: one topic, 1,000 subscribers (server/topics.mjs)");
  const child = spawn(process.execPath, [file("./server/topics.mjs")], { stdio: "inherit" });
  const code = await new Promise((resolve) => child.once("exit", (exit, signal) => resolve(exit ?? signal)));
  if (code !== 0) failures.push(`serverTopics: server/topics.mjs exited with ${code} (budget not met, or a failure)`);
}

// ---- report ------------------------------------------------------------------------------

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? "unknown",
  cores: cpus.length,
  memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
};
const date = new Date().toISOString();
const name = (lib) => NAMES[lib] ?? lib;

const sizeTable = sizes && table(
  ["bundle", "minified", "min+gzip", "min+brotli"],
  Object.values(sizes).map((s) => [s.label, fmtInt(s.min), fmtInt(s.gzip), fmtInt(s.brotli)]),
);

const us2 = (n) => fmtFixed(n, 2);
const throughputTable = throughput && table(
  ["library", "messages/s", "× raw", "client CPU µs / message", "CPU × raw"],
  THROUGHPUT_LIBS.map((lib) => {
    const t = throughput[lib];
    return [name(lib), fmtRange(t.perSecond, fmtInt), fmtRange(t.ratio, fmtRatio), fmtRange(t.cpu, us2), fmtRange(t.cpuRatio, fmtRatio)];
  }),
);

const roundTripTable = roundTrip && table(
  ["library", "p50 µs", "p99 µs", "p50 × raw", "p99 × raw", "client CPU µs / trip", "CPU × raw"],
  RTT_LIBS.map((lib) => {
    const r = roundTrip[lib];
    const us = (n) => fmtFixed(n, 1);
    return [
      name(lib),
      fmtRange(r.p50, us),
      fmtRange(r.p99, us),
      fmtRange(r.p50Ratio, fmtRatio),
      fmtRange(r.p99Ratio, fmtRatio),
      fmtRange(r.cpu, us2),
      fmtRange(r.cpuRatio, fmtRatio),
    ];
  }),
);

const memoryTable = memory && table(
  ["library", "bytes per client", "above raw"],
  LIBRARIES.map((lib) => [name(lib), fmtRange(memory[lib].perClient, fmtInt), lib === "raw" ? "—" : fmtRange(memory[lib].aboveRaw, fmtInt)]),
);

const herdTable = herd && table(
  ["library", "p50", "p99", "max", "peak reconnects / 100 ms", "not back"],
  [
    [name("raw"), "does not reconnect", "", "", "", ""],
    ...RECONNECTING.map((lib) => {
      const h = herd[lib];
      return [name(lib), fmtRange(h.p50, fmtSeconds), fmtRange(h.p99, fmtSeconds), fmtRange(h.max, fmtSeconds), fmtRange(h.peak, fmtInt), fmtRange(h.notBack, fmtInt)];
    }),
  ],
);

const bound = `never (> ${CONFIG.halfOpen.boundMs / 1000} s)`;
const halfOpenCell = (s, nevers) =>
  nevers === ROUNDS ? bound : `${fmtRange(s, fmtSeconds)}${nevers > 0 ? `, ${nevers}/${ROUNDS} never` : ""}`;
const halfOpenTable = halfOpen && table(
  ["library", "heartbeat", "dead line detected", "connected again"],
  [
    [name("raw"), "none", "never (no heartbeat)", "does not reconnect"],
    ...RECONNECTING.map((lib) => {
      const h = halfOpen[lib];
      return [
        name(lib),
        lib === "lifeline" ? "1 s / 1 s" : "none",
        halfOpenCell(h.detected, h.neverDetected),
        halfOpenCell(h.reconnected, h.neverReconnected),
      ];
    }),
  ],
);

// ---- targets ----------------------------------------------------------------------------------

const med = (s) => s?.median;
const hb = CONFIG.halfOpen.heartbeat;
const halfOpenLimit = hb.interval + hb.timeout + TARGETS.halfOpenSlack;
// each row: the measure it needs, and a function giving [target, lifeline's figure, met]
const targetRows = [
  ["sizes", () => ["an app on createClient's defaults ≤ 3.0 kB min+gzip (production build, mitt bundled, zod external)", `${fmtInt(sizes.lifeline.gzip)} B`, sizes.lifeline.gzip <= TARGETS.sizeGzip]],
  ["sizes", () => ["an app importing every entry point ≤ 8.0 kB min+gzip", `${fmtInt(sizes["lifeline-all"].gzip)} B`, sizes["lifeline-all"].gzip <= TARGETS.sizeAllGzip]],
  [
    "sizes",
    () => [
      "lifeline smaller than partysocket's core (min+gzip)",
      `${fmtInt(sizes.lifeline.gzip)} B vs ${fmtInt(sizes.partysocket.gzip)} B`,
      sizes.lifeline.gzip < sizes.partysocket.gzip,
    ],
  ],
  [
    "throughput",
    () => [
      "CPU per echoed message ≤ 1.05× raw (client process, user + system)",
      fmtRatio(med(throughput.lifeline.cpuRatio)),
      med(throughput.lifeline.cpuRatio) <= TARGETS.cpuPerMessage,
    ],
  ],
  [
    "throughput",
    () => [
      "CPU per echoed message with atLeastOnce() ≤ 1.15× raw",
      fmtRatio(med(throughput["lifeline+ack"].cpuRatio)),
      med(throughput["lifeline+ack"].cpuRatio) <= TARGETS.cpuPerMessageAck,
    ],
  ],
  ["roundTrip", () => ["round trip p50 ≤ 1.05× raw", fmtRatio(med(roundTrip.lifeline.p50Ratio)), med(roundTrip.lifeline.p50Ratio) <= TARGETS.roundTrip]],
  ["memory", () => ["idle connected client ≤ raw + 1 KiB", `+${fmtInt(med(memory.lifeline.aboveRaw))} B`, med(memory.lifeline.aboveRaw) <= TARGETS.memoryAbove]],
  [
    "herd",
    () => [
      "herd peak / 100 ms ≤ ⅓ of partysocket's",
      `${fmtInt(med(herd.lifeline.peak))} vs ${fmtInt(med(herd.partysocket.peak))}`,
      med(herd.lifeline.peak) <= med(herd.partysocket.peak) * TARGETS.herdPeak,
    ],
  ],
  [
    "herd",
    () => [
      "herd p99 ≤ 2× partysocket's",
      `${fmtSeconds(med(herd.lifeline.p99))} vs ${fmtSeconds(med(herd.partysocket.p99))}`,
      med(herd.lifeline.p99) <= med(herd.partysocket.p99) * TARGETS.herdP99,
    ],
  ],
  [
    "halfOpen",
    () => [
      `half-open detected within interval + timeout + 100 ms (${halfOpenLimit} ms)`,
      fmtRange(halfOpen.lifeline.detected, fmtSeconds),
      halfOpen.lifeline.neverDetected === 0 && halfOpen.lifeline.detected.max <= halfOpenLimit,
    ],
  ],
  [
    "halfOpen",
    () => [
      `half-open connected again within ${halfOpenLimit} ms`,
      fmtRange(halfOpen.lifeline.reconnected, fmtSeconds),
      halfOpen.lifeline.neverReconnected === 0 && halfOpen.lifeline.reconnected.max <= halfOpenLimit,
    ],
  ],
]
  .filter(([measure]) => wanted(measure))
  .map(([, row]) => row());
const targetTable = table(
  ["target", "lifeline", "met"],
  targetRows.map(([what, figure, met]) => [what, figure, met ? "yes" : "**no**"]),
);

const { batch, cycles, warmup } = CONFIG.throughput;
const pinned = THROUGHPUT_PIN.cpu === undefined ? "client and server not pinned (no taskset)" : `client on CPU ${THROUGHPUT_PIN.cpu}, server on CPU ${THROUGHPUT_PIN.serverCpu}`;
const sections = [
  `Run of ${date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ` +
    `median (min–max) of ${RTT_ROUNDS} rounds for round trip, ${THROUGHPUT_ROUNDS} for throughput, ${ROUNDS} for the others.`,
  sizes && `### 1. Bundle size (bytes; esbuild minify, esm, platform browser; gzip -9, brotli q11)\n\n${sizeTable}`,
  hotPath &&
    `### 1b. The client's own cost (in process, a socket that sends nowhere, frames received through Node's EventTarget; CPU per message sent and received)\n\n` +
      table(
        ["", "ns per message", "added by lifeline"],
        [
          ["app with a raw WebSocket (JSON.stringify + send, JSON.parse + handler)", fmtInt(hotPath.raw), ""],
          ["lifeline (send(), validation-free receive, typed event)", fmtInt(hotPath.lifeline), `+${fmtInt(hotPath.added)} ns`],
        ],
      ),
  throughput &&
    `### 2. Throughput (bursts of ${fmtInt(batch)} JSON messages of 58–61 bytes, echoed; the libraries take turns in one process, ` +
      `${cycles} bursts each after ${warmup} to warm up; ${pinned})\n\n${throughputTable}\n\n` +
      "Figures of a round are medians over its bursts; the ratios are medians of the ratio to raw's burst of the same turn, " +
      "so both ran under the same machine state. The second raw socket shows how far two equal clients measure apart.",
  roundTrip &&
    `### 3. Round trip (turns of ${fmtInt(CONFIG.roundTrip.trips)} sequential send → echo; the libraries take turns in one process, ` +
      `${CONFIG.roundTrip.cycles} turns each after ${CONFIG.roundTrip.warmup} to warm up; ${
        PIN_CPU === undefined ? "client and server not pinned (no taskset)" : `client and server pinned to CPU ${PIN_CPU}`
      })\n\n${roundTripTable}\n\n` +
      "Figures of a round are medians over its turns; the ratios are medians of the ratio to raw's turn of the same cycle.",
  memory && `### 4. Memory (${fmtInt(CONFIG.memory.count)} idle connected clients; JS heap + external after GC)\n\n${memoryTable}`,
  herd &&
    `### 5. Herd (${CONFIG.herd.count} clients, server killed and back on its port after ${CONFIG.herd.downMs / 1000} s; time from the restart, default backoff)\n\n${herdTable}`,
  halfOpen && `### 6. Half-open (server frozen, a fresh server for new connections; bounded at ${CONFIG.halfOpen.boundMs / 1000} s)\n\n${halfOpenTable}`,
  `### Targets\n\n${targetTable}`,
];
const markdown = sections.filter(Boolean).join("\n\n");
if (CLIENT_ANY) process.stdout.write(`\n${markdown}\n`);
const serverBlock = server && serverMarkdown(server, { date, machine, rounds: SERVER_ROUNDS });
if (serverBlock) process.stdout.write(`\n## Server\n\n${serverBlock}\n`);

if (CLIENT_WHOLE) writeOutputs();
if (SERVER_WHOLE) writeServerOutputs();
const written = [CLIENT_WHOLE && "the client's", SERVER_WHOLE && "the server's"].filter(Boolean);
progress(
  `done in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
    (written.length > 0 ? `${written.join(" and ")} results in bench/results.json and docs/performance.md` : `BENCH_ONLY=${ONLY.join(",")}: no file written`),
);
if (failures.length > 0) {
  process.stderr.write(`\n${failures.length} job(s) failed:\n${failures.map((f) => `  ${f}`).join("\n")}\n`);
  process.exitCode = 1;
}

/** The herd chart, bench/results.json and the figures block of docs/performance.md (a full run only). */
function writeOutputs() {
  // the chart: for each library, the round whose p99 is the median one
  const representative = (lib) => {
    const runs = herd[lib].rounds.filter(Boolean).sort((a, b) => a.p99 - b.p99);
    return runs[(runs.length - 1) >> 1];
  };
  const svg = herdSvg(
    RECONNECTING.filter((lib) => representative(lib)).map((lib) => {
      const run = representative(lib);
      return {
        lib,
        label: name(lib),
        note: `peak ${run.peak} / 100 ms, p99 ${fmtSeconds(run.p99)}`,
        times: run.times,
      };
    }),
    { title: `${CONFIG.herd.count} clients reconnecting after a server restart (default backoff)` },
  );
  writeFileSync(file("./herd.svg"), svg);
  copyFileSync(file("./herd.svg"), file("../docs/herd.svg"));

  const results = {
    date,
    machine,
    rounds: { throughput: THROUGHPUT_ROUNDS, roundTrip: RTT_ROUNDS, memory: ROUNDS, herd: ROUNDS, halfOpen: ROUNDS },
    config: { ...CONFIG, roundTripCpu: PIN_CPU ?? null, throughputCpus: THROUGHPUT_PIN, throughputGroups: THROUGHPUT_GROUPS },
    targets: Object.fromEntries(targetRows.map(([what, figure, met]) => [what, { figure, met }])),
    sizes,
    hotPath,
    throughput,
    roundTrip,
    memory,
    herd: Object.fromEntries(
      Object.entries(herd).map(([lib, h]) => [lib, { ...h, rounds: h.rounds.map((r) => (r ? { ...r, times: r.times.map((t) => Math.round(t * 10) / 10) } : r)) }]),
    ),
    halfOpen,
    failures,
  };
  writeResults(results);
  writeBlock("results", markdown);
}

/** The "server" key of bench/results.json and the server's block of docs/performance.md. */
function writeServerOutputs() {
  const verdicts = Object.fromEntries(serverVerdicts(server).map(([what, figure, met]) => [what, { figure, met }]));
  writeResults({ server: { date, machine, roundsCount: SERVER_ROUNDS, verdicts, ...server } });
  writeBlock("server", serverBlock);
}

/** Writes bench/results.json with `part` replacing its keys, the other part's kept. */
function writeResults(part) {
  let previous = {};
  try {
    previous = JSON.parse(readFileSync(file("./results.json"), "utf8"));
  } catch {
    // first run: nothing to keep
  }
  // the client's keys are the whole file but "server" and "topics" (server/topics.mjs); a client run replaces all of them
  const kept = part.server ? previous : { server: previous.server, topics: previous.topics };
  writeFileSync(file("./results.json"), JSON.stringify({ ...kept, ...part }, null, 2) + "\n");
}

/** docs/performance.md: only the block between the markers `<!-- bench:NAME:start -->` and `…:end -->` is generated. */
function writeBlock(name, text) {
  const START = `<!-- bench:${name}:start -->`;
  const END = `<!-- bench:${name}:end -->`;
  try {
    const doc = readFileSync(DOC, "utf8");
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a === -1 || b < a) throw new Error(`the markers ${START} … ${END} are missing`);
    writeFileSync(DOC, `${doc.slice(0, a + START.length)}\n<!-- generated by npm run bench; do not edit by hand -->\n\n${text}\n\n${doc.slice(b)}`);
  } catch (error) {
    progress(`docs/performance.md not updated: ${error instanceof Error ? error.message : String(error)}`);
  }
}
