// The server of the topics bench, alone in its process (started by topics.mjs):
//   node topics-target.mjs <kind> [redisUrl]
// kind: "ws" (a raw `ws` server looping over its sockets: the baseline),
// "socketio" (socket.io 4.8 rooms, websocket transport only),
// "lifeline-memory", "lifeline-redis" (@lifeline/server's publish(), that store).
// Every kind fans one topic out to every connection that joined it; the parent
// asks over IPC (ipc.mjs) for this process's CPU time and to publish.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { setImmediate as tick, setTimeout as sleep } from "node:timers/promises";
import { serve, wallClock } from "./ipc.mjs";

const [kind, redisUrl] = process.argv.slice(2);
export const TOPIC = "room:bench";

const requireFromServer = createRequire(import.meta.resolve("@lifeline/server/package.json"));
const { WebSocketServer } = requireFromServer("ws");
const http = createServer((_req, res) => res.writeHead(404).end());
const wsOptions = { server: http, perMessageDeflate: false, clientTracking: false };
/** The raw server's subscribers: every socket that sent `{"t":"sub"}`. */
const sockets = new Set();
let io;
let lifeline;

if (kind === "ws") {
  new WebSocketServer(wsOptions).on("connection", (ws) => {
    ws.on("message", () => {
      sockets.add(ws);
      ws.send('{"t":"subscribed"}');
    });
    ws.on("close", () => sockets.delete(ws));
    ws.on("error", () => {});
  });
} else if (kind === "socketio") {
  const { Server } = await import("socket.io");
  io = new Server(http, { transports: ["websocket"], serveClient: false, perMessageDeflate: false, httpCompression: false });
  io.on("connection", (socket) =>
    socket.on("sub", (done) => {
      socket.join(TOPIC);
      done();
    }),
  );
} else if (kind === "lifeline-memory" || kind === "lifeline-redis") {
  const { createLifelineServer, memoryStore } = await import("@lifeline/server");
  let store;
  if (kind === "lifeline-redis") {
    const { redisStore } = await import("@lifeline/server/redis");
    store = redisStore({ url: redisUrl, onError: (error) => console.error("redis store:", error) });
  } else store = memoryStore();
  lifeline = createLifelineServer({ store, onError: (error, context) => console.error("lifeline:", context, error) });
  new WebSocketServer(wsOptions).on("connection", (ws) => lifeline.accept(ws));
} else throw new Error(`unknown server kind ${kind}`);

await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));

/** The payload: ~90 bytes of JSON with the publish time (wall clock, same machine as the clients). */
const payload = (seq) => ({ type: "chat", seq, text: "the quick brown fox jumps", at: wallClock() });

/** One publication to every subscriber, the way each kind's app would write it. */
function publishOne(seq) {
  const data = payload(seq);
  if (lifeline) return lifeline.publish(TOPIC, data);
  if (io) return void io.to(TOPIC).emit("p", data);
  // the raw loop: serialize once, send the same string to every socket
  const text = JSON.stringify({ t: "pub", data });
  for (const ws of sockets) ws.send(text);
}

async function settle(pending) {
  let refused = 0;
  for (const result of await Promise.all(pending)) if (result && !result.ok) refused++;
  if (refused > 0) throw new Error(`${refused} publish(es) refused`);
}

serve({
  ready: () => ({ port: http.address().port, pid: process.pid, kind }),
  mark: () => ({ cpu: process.cpuUsage(), at: wallClock() }),
  read: () => ({ cpu: process.cpuUsage(), at: wallClock() }),
  /** `count` publications as fast as the loop allows: one per turn of the event loop. */
  burst: async ({ count, from }) => {
    const pending = [];
    for (let k = 0; k < count; k++) {
      pending.push(publishOne(from + k));
      await tick();
    }
    await settle(pending);
    return { published: count };
  },
  /** `count` publications, one every `intervalMs`: a load the clients keep up with, for latency. */
  paced: async ({ count, from, intervalMs }) => {
    const pending = [];
    for (let k = 0; k < count; k++) {
      pending.push(publishOne(from + k));
      await sleep(intervalMs);
    }
    await settle(pending);
    return { published: count };
  },
});
