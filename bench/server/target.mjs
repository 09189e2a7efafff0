// One server under test, alone in its process (started by measure.mjs):
//   node --expose-gc target.mjs <kind> [redisUrl] [sessionTtlMs] [replayMax]
// kind: "ws" (a raw `ws` server: the baseline), "lifeline-memory",
// "lifeline-redis" (@lifeline/server on `ws`, with that store), "socketio"
// (socket.io 4.8, websocket transport only). Every kind runs the same
// application: count each client message (acknowledging every 64th, as
// lifeline's server commits at least every 64), and push messages on command.
// The parent asks, over IPC (ipc.mjs), for the process's CPU time, heap after
// GC and the event loop's worst delay, so only this server's cost is measured.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setImmediate as tick } from "node:timers/promises";
import { getHeapStatistics } from "node:v8";
import { message, serve, wallClock } from "./ipc.mjs";

const [kind, redisUrl, ttlArg, replayArg] = process.argv.slice(2);
const sessionTtl = Number(ttlArg ?? 2_000);
const replayMax = Number(replayArg ?? 1_000);
if (typeof globalThis.gc !== "function") throw new Error("target.mjs needs node --expose-gc");

// `ws` is @lifeline/server's own (dev) dependency, the version lifeline is tested with
const requireFromServer = createRequire(import.meta.resolve("@lifeline/server/package.json"));
const { WebSocketServer } = requireFromServer("ws");

const http = createServer((_req, res) => res.writeHead(404).end());
// what every kind shares: no per-message deflate, no client tracking of its own
const wsOptions = { server: http, perMessageDeflate: false, clientTracking: false };
const ACK_EVERY = 64;
let received = 0;
/** The open sockets of the raw and socket.io servers (an app needs them to push). */
const sockets = new Set();
let lifeline;
let store;

if (kind === "ws") {
  new WebSocketServer(wsOptions).on("connection", (ws) => {
    sockets.add(ws);
    ws.on("message", (data) => {
      const { seq } = JSON.parse(data);
      received++;
      if (seq % ACK_EVERY === 0) ws.send(`{"t":"ack","seq":${seq}}`);
    });
    ws.on("close", () => sockets.delete(ws));
    ws.on("error", () => {});
  });
} else if (kind === "lifeline-memory" || kind === "lifeline-redis") {
  const { createLifelineServer, memoryStore } = await import("@lifeline/server");
  const options = { sessionTtl, replay: { max: replayMax } };
  if (kind === "lifeline-redis") {
    const { redisStore } = await import("@lifeline/server/redis");
    store = redisStore({ url: redisUrl, ...options, onError: (error) => console.error("redis store:", error) });
  } else store = memoryStore(options);
  lifeline = createLifelineServer({
    store,
    onMessage: () => {
      received++;
    },
    onError: (error, context) => console.error("lifeline:", context, error),
  });
  new WebSocketServer(wsOptions).on("connection", (ws) => lifeline.accept(ws));
} else if (kind === "socketio") {
  const { Server } = await import("socket.io");
  const io = new Server(http, { transports: ["websocket"], serveClient: false, perMessageDeflate: false, httpCompression: false });
  io.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("m", ({ seq }) => {
      received++;
      if (seq % ACK_EVERY === 0) socket.emit("a", seq);
    });
    socket.on("disconnect", () => sockets.delete(socket));
  });
} else throw new Error(`unknown server kind ${kind}`);

await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));

// The worst block of the event loop, two ways. `loop`: a 5 ms timer's lateness (wall clock), which
// on a shared machine also counts the time the OS gave the CPU to another process. `probe`: the
// same lateness, but only as much of it as this process's main thread spent on the CPU meanwhile
// (process.threadCpuUsage): the part that this server's own synchronous work blocked.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const PROBE_MS = 5;
const probe = { worstMs: 0, at: performance.now(), cpu: process.threadCpuUsage() };
setInterval(() => {
  const now = performance.now();
  const cpu = process.threadCpuUsage();
  const lateMs = now - probe.at - PROBE_MS;
  const onCpuMs = (cpu.user - probe.cpu.user + cpu.system - probe.cpu.system) / 1000;
  const block = Math.min(lateMs, onCpuMs);
  if (block > probe.worstMs) {
    probe.worstMs = block;
    // µs of the monotonic clock, as V8's CPU profiles count time: the block can be found in a profile
    probe.worstAt = Number(process.hrtime.bigint() / 1000n);
  }
  probe.at = now;
  probe.cpu = cpu;
}, PROBE_MS).unref();
const resetLoop = () => {
  loop.reset();
  probe.worstMs = 0;
  probe.at = performance.now();
  probe.cpu = process.threadCpuUsage();
};

function heapAfterGc() {
  // twice: the first pass can leave objects with finalizers for the second
  globalThis.gc();
  globalThis.gc();
  // not process.memoryUsage(): it opens /proc/self/statm for the RSS, which fails (EMFILE) once
  // the capacity measure has taken every descriptor
  const { used_heap_size, external_memory } = getHeapStatistics();
  return used_heap_size + external_memory;
}

const connections = () => (lifeline ? lifeline.stats().connections : sockets.size);

/** Pushes `perConnection` messages to every socket (or listed session), `batch` per socket per turn of the event loop. */
async function push({ perConnection, batch, sessions }) {
  const started = wallClock();
  let refused = 0;
  for (let sent = 0; sent < perConnection; sent += batch) {
    const n = Math.min(batch, perConnection - sent);
    if (lifeline) {
      const pending = [];
      for (const session of sessions) for (let k = 1; k <= n; k++) pending.push(lifeline.send(session, message(sent + k)));
      for (const result of await Promise.all(pending)) if (!result.ok) refused++;
    } else if (kind === "ws") {
      for (const ws of sockets) for (let k = 1; k <= n; k++) ws.send(JSON.stringify(message(sent + k)));
    } else {
      for (const socket of sockets) for (let k = 1; k <= n; k++) socket.emit("m", message(sent + k));
    }
    // let the sockets write and the acks in, as a producer that is not alone in its process would
    await tick();
  }
  if (refused > 0) throw new Error(`${refused} send(s) refused`);
  return { started, pushed: wallClock() };
}

serve({
  ready: () => ({ port: http.address().port, pid: process.pid, kind }),
  /** Heap + external after GC (the GC's pause is hidden from the next loop reading). */
  heap: () => {
    const bytes = heapAfterGc();
    resetLoop();
    return bytes;
  },
  /** Starts a measured stretch: CPU and loop delay from now. */
  mark: () => {
    resetLoop();
    return { cpu: process.cpuUsage(), received, at: wallClock() };
  },
  /** Reads the stretch: CPU so far, messages handled, the loop's worst delay and worst own block in ms since `mark`. */
  read: () => ({ cpu: process.cpuUsage(), received, loopMaxMs: loop.max / 1e6, blockMs: probe.worstMs, blockAt: probe.worstAt, connections: connections(), at: wallClock() }),
  /** Sessions (and tombstones) held by the memory store; undefined for the others. */
  size: () => ({ connections: connections(), sessions: store?.size, stats: lifeline?.stats() }),
  push,
});
