// The benchmark's WebSocket server, run as a child process so that the
// process being measured only pays for its client. It echoes every frame,
// answers "ping" with "pong", and takes commands over IPC:
//   { cmd: "freeze", index } — pause one listener's connections (half-open:
//                               TCP kept, nothing read or written)
// Usage: node server.mjs [port ...]   (0 = a free port; several = several listeners)
// It reports { ready: true, ports, at } once listening; `at` is wall-clock ms
// with sub-ms precision (performance.timeOrigin + now), comparable across
// processes on this machine.
import { createRequire } from "node:module";
import { createServer } from "node:http";

// `ws` is the test server's own dependency: resolve it from there instead of
// declaring it a second time for the bench.
const requireFromTestServer = createRequire(import.meta.resolve("@lifeline/test-server/package.json"));
const { WebSocketServer } = requireFromTestServer("ws");
// lifeline's acknowledged delivery (docs/protocol.md), for the at-least-once client
const { createDelivery } = await import("@lifeline/test-server");
// (@lifeline/server with a memory store). The echoes are numbered server messages kept until the
// client acknowledges them: the replay buffer is sized for a whole throughput run in flight.
const delivery = createDelivery({ onMessage: (message, reply) => reply(message.data), recordLimit: 0, replayMax: 200_000 });

const wallClock = () => performance.timeOrigin + performance.now();

function listen(port) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  // no per-message deflate: the measure is the client, not compression
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: true });
  const listener = { frozen: false, wss, http };
  wss.on("connection", (ws) => {
    if (listener.frozen) {
      ws._socket.pause();
      return;
    }
    let envelopes;
    ws.on("message", (data, isBinary) => {
      if (listener.frozen) return;
      if (!isBinary && data.length === 4 && data.toString() === "ping") ws.send("pong");
      // envelopes only from a client that opened with hello; everyone else gets a plain echo
      else if (envelopes || (!isBinary && data[0] === 0x7b && data.toString().startsWith('{"t":"hello"'))) {
        envelopes ??= delivery.connection(
          (text) => ws.send(text),
          (code, reason) => ws.close(code, reason),
        );
        envelopes.handle(data.toString());
      } else ws.send(data, { binary: isBinary });
    });
    ws.on("close", () => envelopes?.close());
    ws.on("error", () => {});
  });
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, "127.0.0.1", () => resolve(listener));
  });
}

const ports = process.argv.slice(2).map(Number);
if (ports.length === 0) ports.push(0);
const listeners = await Promise.all(ports.map(listen));

process.on("message", (message) => {
  if (message?.cmd === "freeze") {
    const listener = listeners[message.index ?? 0];
    listener.frozen = true;
    // stop reading: the kernel still acknowledges TCP, so the client sees a live line that never answers
    for (const ws of listener.wss.clients) ws._socket.pause();
    process.send({ frozen: true, at: wallClock() });
  }
});
// the parent going away (or killing us) ends this process
process.on("disconnect", () => process.exit(0));

process.send({ ready: true, ports: listeners.map((l) => l.http.address().port), at: wallClock() });
