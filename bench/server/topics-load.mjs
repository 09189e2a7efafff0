// The subscribers of the topics bench, in a process of their own (started by
// topics.mjs), so the server's process pays only for the server. Lean clients:
// `ws` for the raw server (one `sub` frame), socket.io-client (websocket
// transport) that asks to join the room, and lifeline's protocol spoken by hand
// for @lifeline/server: `hello`, then `{"t":"sub","topic":T}` (docs/protocol.md).
// Each delivery's latency is now − the publish time in its payload.
import { createRequire } from "node:module";
import { serve, wallClock } from "./ipc.mjs";

const requireFromServer = createRequire(import.meta.resolve("@lifeline/server/package.json"));
const { WebSocket } = requireFromServer("ws");
const { io } = await import("socket.io-client");
const TOPIC = "room:bench";

const clients = [];
let delivered = 0;
let gaps = 0;
let lastAt = 0;
let latencies = [];
let waiter;

function deliver(data) {
  const now = wallClock();
  delivered++;
  lastAt = now;
  latencies.push(now - data.at);
  if (waiter && delivered >= waiter.expected) waiter.resolve();
}

/** Opens one subscriber; resolves once its subscription is confirmed. */
function open(kind, url, i) {
  return new Promise((resolve, reject) => {
    if (kind === "socketio") {
      const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, timeout: 30_000 });
      clients.push({ close: () => socket.disconnect() });
      socket.on("connect_error", reject);
      socket.on("connect", () => socket.emit("sub", resolve));
      socket.on("p", deliver);
      return;
    }
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
    clients.push({ close: () => ws.close() });
    ws.on("error", reject);
    const lifeline = kind.startsWith("lifeline");
    ws.on("open", () => {
      if (lifeline) ws.send(JSON.stringify({ t: "hello", session: `topics-${i}-${Math.random().toString(36).slice(2)}`, ack: 0 }));
      ws.send(JSON.stringify({ t: "sub", topic: TOPIC }));
    });
    ws.on("message", (raw) => {
      const frame = JSON.parse(raw);
      if (frame.t === "pub") return deliver(frame.data);
      if (frame.t === "subscribed") return resolve();
      if (frame.t === "gap") return void gaps++;
      if (frame.t === "refused" || frame.t === "reset") reject(new Error(`${frame.t}: ${frame.code ?? frame.reason}`));
    });
  });
}

serve({
  ready: () => ({ pid: process.pid }),
  /** `count` subscribers, 100 at a time. */
  open: async ({ kind, url, count }) => {
    for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => open(kind, url, i + k)));
    return { open: clients.length };
  },
  reset: () => {
    delivered = 0;
    gaps = 0;
    latencies = [];
    return {};
  },
  /** Resolves once `expected` deliveries arrived (or after `timeoutMs`), with the latencies' percentiles. */
  wait: async ({ expected, timeoutMs }) => {
    if (delivered < expected) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiter = { expected, resolve: () => (clearTimeout(timer), resolve()) };
      });
      waiter = undefined;
    }
    const sorted = Float64Array.from(latencies).sort();
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    return { delivered, gaps, lastAt, p50: at(50), p99: at(99) };
  },
  close: () => {
    for (const client of clients) client.close();
    clients.length = 0;
    return {};
  },
});
