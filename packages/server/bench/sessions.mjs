// Memory with sessions that come and never return: opens N sessions over real
// loopback WebSockets (hello, one message each way, then the client vanishes
// without a close frame), and reports the heap before, while the sessions are
// held, and after sessionTtl has passed. A measurement, not a timed test.
//
//   node --expose-gc bench/sessions.mjs [sessions=10000] [sessionTtlMs=2000]
//
// Needs the build (npm run build -w @lifeline/server).
import { createServer } from "node:http";
import WebSocket, { WebSocketServer } from "ws";
import { createLifelineServer, memoryStore } from "../dist/index.js";

const total = Number(process.argv[2] ?? 10_000);
const ttl = Number(process.argv[3] ?? 2_000);
const BATCH = 200;
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

const heap = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

const store = memoryStore({ sessionTtl: ttl });
const lifeline = createLifelineServer({ store, onMessage: () => {} });
const http = createServer();
const wss = new WebSocketServer({ server: http, clientTracking: false, perMessageDeflate: false });
wss.on("connection", (ws) => lifeline.accept(ws));
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const url = `ws://127.0.0.1:${http.address().port}`;

/** One session's whole life: hello, a message each way, then gone without a goodbye. */
function visit(i) {
  return new Promise((resolve, reject) => {
    const session = `abandoned-${i}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on("error", reject);
    ws.on("open", () => {
      ws.send(JSON.stringify({ t: "hello", session, ack: 0 }));
      ws.send(JSON.stringify({ t: "msg", seq: 1, data: { i } }));
    });
    let acked = false;
    let got = false;
    ws.on("message", (raw) => {
      const frame = JSON.parse(raw.toString());
      if (frame.t === "ack" && frame.seq === 0) void lifeline.send(session, { hello: i });
      if (frame.t === "ack" && frame.seq === 1) acked = true;
      if (frame.t === "msg" && frame.seq === 1) got = true;
      if (acked && got) {
        ws.terminate();
        resolve();
      }
    });
  });
}

// warm up (code compiled, lazy modules of ws and http loaded), then forget those sessions
await Promise.all(Array.from({ length: BATCH }, (_, k) => visit(-1 - k)));
while (lifeline.stats().connections > 0) await new Promise((resolve) => setTimeout(resolve, 50));
store.clear();
const start = await heap();
const began = performance.now();
for (let i = 0; i < total; i += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, total - i) }, (_, k) => visit(i + k)));
}
const openedMs = performance.now() - began;
// the server notices each vanished client (TCP reset) and starts its TTL
const deadline = Date.now() + 30_000;
while (lifeline.stats().connections > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
const held = await heap();
const sessionsHeld = store.size;
while (store.size > 0 && Date.now() < deadline + ttl) await new Promise((resolve) => setTimeout(resolve, 100));
const after = await heap();
const result = {
  sessions: total,
  sessionTtlMs: ttl,
  openedIn: `${(openedMs / 1000).toFixed(1)} s`,
  heapStart: mib(start),
  heapWithSessions: mib(held),
  sessionsHeld,
  perSession: `${((held - start) / total).toFixed(0)} B`,
  heapAfterTtl: mib(after),
  sessionsAfterTtl: store.size,
  aboveStart: mib(after - start),
};
console.log(JSON.stringify(result, null, 2));
await lifeline.close();
await store.close();
await new Promise((resolve) => wss.close(resolve));
http.close();
