// One measure of one library, in a process of its own (started by run.mjs):
//   node [--expose-gc] worker.mjs '{"measure":"throughput","lib":"lifeline",...}'
// It starts its own server process(es) (server.mjs), runs the measure and
// sends the result to the parent over IPC. Every wait is bounded.
import { fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { load } from "./libs.mjs";

const SERVER = fileURLToPath(new URL("./server.mjs", import.meta.url));
const job = JSON.parse(process.argv[2]);

/** fork() options that run the child on one CPU (through taskset) when `cpu` is given. */
function pinned(cpu, execArgv) {
  return cpu === undefined ? { execArgv } : { execPath: "taskset", execArgv: ["-c", String(cpu), process.execPath, ...execArgv] };
}
const wallClock = () => performance.timeOrigin + performance.now();

/** The benchmark's message: 58 to 62 bytes of JSON (seq 0 to 99,999). */
const message = (seq) => ({ type: "chat", seq, text: "the quick brown fox jumps" });

/** Starts server.mjs listening on `ports` (0 = free); resolves once it listens. */
function startServer(ports = [0]) {
  // execArgv: [] so that the worker's own flags (--expose-gc, --cpu-prof) stay with the worker
  const child = fork(SERVER, ports.map(String), { ...pinned(job.serverCpu, []), stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 10 s")), 10_000);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before listening`)));
    child.once("message", (ready) => {
      clearTimeout(timer);
      resolve({
        child,
        exited,
        ports: ready.ports,
        at: ready.at,
        url: (index = 0) => `ws://127.0.0.1:${ready.ports[index]}/`,
        /** Freezes listener `index`; resolves with the server's wall-clock time of the freeze. */
        freeze(index) {
          return new Promise((done) => {
            const onMessage = (reply) => {
              if (reply.frozen) {
                child.off("message", onMessage);
                done(reply.at);
              }
            };
            child.on("message", onMessage);
            child.send({ cmd: "freeze", index });
          });
        },
      });
    });
  });
}

/** Resolves when `promise` does, or rejects after `ms` with `what` in the message. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

const opened = (client) => new Promise((resolve) => client.onOpen(resolve));

/** Connects `n` clients, `batch` at a time (the server's accept backlog is finite), and waits until all are open. */
async function connectMany(connect, url, n, batch = 100) {
  const clients = [];
  for (let i = 0; i < n; i += batch) {
    const group = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const client = connect(url);
      client.onMessage(() => {});
      clients.push(client);
      group.push(opened(client));
    }
    await within(30_000, "connecting clients", Promise.all(group));
  }
  return clients;
}

/** CPU time (user + system, µs) this process used since `since` (a process.cpuUsage() reading). */
const cpuMicros = (since) => {
  const { user, system } = process.cpuUsage(since);
  return user + system;
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

// ---- measures ---------------------------------------------------------------

/** A seeded generator of numbers in [0, 1) (mulberry32), so that a round's order of bursts can be replayed. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `items` in a random order (Fisher–Yates) that does not start with `not` (when there is a choice). */
function shuffled(items, random, not) {
  for (;;) {
    const order = [...items];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    if (order[0] !== not || items.length < 3) return order;
  }
}

/**
 * Every library of `libs` in this one process, each on a connection of its own to the same server.
 * A burst is `batch` messages sent in one synchronous loop, all echoed; a cycle is one burst of
 * every library, in a shuffled order that never runs a library twice in a row (so each burst
 * follows another library's, and no library keeps the first or last place). `warmup` cycles
 * first, not recorded; then `cycles` cycles, each burst's client CPU (user + system) and wall
 * time recorded. The libraries of a cycle ran within a few hundred milliseconds of each other,
 * so a ratio taken within a cycle compares them under the same machine state.
 */
async function throughput({ libs, batch, cycles, warmup, seed }) {
  const server = await startServer();
  const lines = {};
  for (const lib of libs) {
    const client = (await load(lib))(server.url());
    await within(10_000, `${lib} open`, opened(client));
    const line = { client, received: 0, target: 0, done: () => {} };
    client.onMessage(() => {
      if (++line.received === line.target) line.done();
    });
    lines[lib] = line;
  }
  const burst = async (lib) => {
    const line = lines[lib];
    const { client } = line;
    line.received = 0;
    line.target = batch;
    const all = new Promise((resolve) => (line.done = resolve));
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < batch; i++) client.send(message(i));
    await within(60_000, `${lib} echoes`, all);
    return { ms: performance.now() - start, cpuUs: cpuMicros(cpu) };
  };
  const random = seeded(seed);
  const windows = Object.fromEntries(libs.map((lib) => [lib, { cpuPerMessage: [], perSecond: [] }]));
  let last;
  for (let cycle = 0; cycle < warmup + cycles; cycle++) {
    const order = shuffled(libs, random, last);
    for (const lib of order) {
      const { ms, cpuUs } = await burst(lib);
      if (cycle < warmup) continue;
      windows[lib].cpuPerMessage.push(cpuUs / batch);
      windows[lib].perSecond.push((batch / ms) * 1000);
    }
    last = order.at(-1);
  }
  for (const { client } of Object.values(lines)) client.close();
  server.child.kill("SIGKILL");
  return windows;
}

/**
 * Every library of `libs` in this one process, each on a connection of its own to the same
 * server, taking turns as in throughput(): a turn is `trips` sequential send → echo round trips
 * of one library; a cycle is one turn of every library in a shuffled order. `warmup` cycles
 * first, not recorded; then `cycles` cycles, each turn's p50 and p99 (µs) and client CPU per
 * round trip recorded. A ratio taken within a cycle compares libraries measured a few tens of
 * milliseconds apart.
 */
async function roundTrip({ libs, trips, cycles, warmup, seed }) {
  const server = await startServer();
  const lines = {};
  for (const lib of libs) {
    const client = (await load(lib))(server.url());
    await within(10_000, `${lib} open`, opened(client));
    const line = { client, next: () => {} };
    client.onMessage(() => line.next());
    lines[lib] = line;
  }
  const samples = new Float64Array(trips);
  const turn = async (lib) => {
    const line = lines[lib];
    const cpu = process.cpuUsage();
    for (let i = 0; i < trips; i++) {
      const echoed = new Promise((resolve) => (line.next = resolve));
      const start = performance.now();
      line.client.send(message(i));
      await echoed;
      samples[i] = (performance.now() - start) * 1000;
    }
    const cpuPerTrip = cpuMicros(cpu) / trips;
    const sorted = [...samples].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuPerTrip };
  };
  const random = seeded(seed);
  const windows = Object.fromEntries(libs.map((lib) => [lib, { p50: [], p99: [], cpuPerTrip: [] }]));
  let last;
  for (let cycle = 0; cycle < warmup + cycles; cycle++) {
    const order = shuffled(libs, random, last);
    for (const lib of order) {
      const measured = await within(60_000, `${lib} round trips`, turn(lib));
      if (cycle < warmup) continue;
      for (const key of ["p50", "p99", "cpuPerTrip"]) windows[lib][key].push(measured[key]);
    }
    last = order.at(-1);
  }
  for (const { client } of Object.values(lines)) client.close();
  server.child.kill("SIGKILL");
  return windows;
}

const heapNow = () => {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};

async function collect() {
  // several passes with turns of the event loop between them, so finalizers and weak callbacks run
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(20);
  }
}

/** `count` idle connected clients; JS heap + external bytes per client after GC. */
async function memory({ lib, count }) {
  if (typeof globalThis.gc !== "function") throw new Error("memory needs node --expose-gc");
  const connect = await load(lib);
  const server = await startServer();
  // warm the library's code paths so that lazily created module state is not counted per client
  const warm = await connectMany(connect, server.url(), 20);
  for (const client of warm) client.close();
  await sleep(200);
  await collect();
  const before = heapNow();
  const clients = await connectMany(connect, server.url(), count);
  await sleep(300);
  await collect();
  const after = heapNow();
  const perClient = (after - before) / count;
  // keep the clients reachable until after the measurement
  if (clients.length !== count) throw new Error("lost clients");
  return { perClient, total: after - before };
}

/** `count` clients; the server process is killed and restarted on its port `downMs` later; when each client is back. */
async function herd({ lib, count, downMs, boundMs }) {
  const connect = await load(lib);
  let server = await startServer();
  const port = server.ports[0];
  const clients = await connectMany(connect, server.url(), count);
  const backAt = [];
  let down = false;
  let allBack = () => {};
  const everyone = new Promise((resolve) => (allBack = resolve));
  for (const client of clients) {
    let back = false;
    // lifeline reports each refused attempt (CONNECT_FAILED) and, unheard, writes it to the console in
    // development builds: an app that expects a server restart listens for them, so the herd does too
    client.client?.on?.("error", () => {});
    client.onOpen(() => {
      if (!down || back) return;
      back = true;
      backAt.push(wallClock());
      if (backAt.length === count) allBack();
    });
  }
  down = true;
  const killedAt = wallClock();
  server.child.kill("SIGKILL");
  await server.exited;
  await sleep(Math.max(0, killedAt + downMs - wallClock()));
  server = await startServer([port]);
  const restartedAt = server.at;
  await within(boundMs, "herd", everyone).catch(() => {});
  const times = backAt.map((at) => at - restartedAt).sort((a, b) => a - b);
  server.child.kill("SIGKILL");
  return { times, notBack: count - times.length, downMs: restartedAt - killedAt };
}

/**
 * `samples` clients side by side, each on its own pair of listeners: A (the
 * line that goes half-open) and B (a fresh server). The url switches to B when
 * A is frozen; the time is from the freeze until the client is open on B.
 */
async function halfOpen({ lib, samples, heartbeat, freezeAfterMs, boundMs }) {
  const connect = await load(lib);
  const server = await startServer(Array.from({ length: samples * 2 }, () => 0));
  const runs = [];
  let allBack = () => {};
  const everyone = new Promise((resolve) => (allBack = resolve));
  for (let i = 0; i < samples; i++) {
    const run = { frozen: false, frozenAt: 0, detectedAt: undefined, backAt: undefined };
    const a = server.url(2 * i);
    const b = server.url(2 * i + 1);
    const client = connect(() => (run.frozen ? b : a), { heartbeat });
    client.onMessage(() => {});
    client.onClose(() => {
      if (run.frozen && run.detectedAt === undefined) run.detectedAt = wallClock();
    });
    client.onOpen(() => {
      if (run.frozen && run.backAt === undefined) {
        run.backAt = wallClock();
        if (runs.every((r) => r.backAt !== undefined)) allBack();
      }
    });
    run.client = client;
    runs.push(run);
  }
  await within(10_000, "open", Promise.all(runs.map((run) => opened(run.client))));
  await sleep(freezeAfterMs);
  for (const [i, run] of runs.entries()) {
    run.frozen = true;
    run.frozenAt = await server.freeze(2 * i);
  }
  await within(boundMs, "half-open", everyone).catch(() => {});
  return {
    detected: runs.map((r) => (r.detectedAt === undefined ? null : r.detectedAt - r.frozenAt)),
    reconnected: runs.map((r) => (r.backAt === undefined ? null : r.backAt - r.frozenAt)),
  };
}

const MEASURES = { throughput, roundTrip, memory, herd, halfOpen };

try {
  const result = await MEASURES[job.measure](job);
  process.send({ ok: true, result }, () => process.exit(0));
} catch (error) {
  process.send({ ok: false, error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1));
}
