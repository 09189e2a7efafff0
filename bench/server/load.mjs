// The clients of the server bench, in a process of their own (started by
// measure.mjs) so that the server's process pays only for the server:
//   node load.mjs
// Lean clients that speak just what each server needs: `ws` with JSON for the
// raw server, lifeline's protocol v2 by hand (hello, msg, ack every 32 as the
// client's at-least-once does) for @lifeline/server, socket.io-client
// (websocket transport) for socket.io. Commands come over IPC (ipc.mjs).
import { createRequire } from "node:module";
import { message, serve, wallClock } from "./ipc.mjs";

const requireFromServer = createRequire(import.meta.resolve("@lifeline/server/package.json"));
const { WebSocket } = requireFromServer("ws");
const { io } = await import("socket.io-client");

/** The client acknowledges server messages every ACK_EVERY, as `atLeastOnce()`'s default `ackEvery` does. */
const ACK_EVERY = 32;

/** One client: `open` resolves once it may send (lifeline: once its hello was answered). */
class Client {
  constructor(kind, url, session) {
    this.kind = kind;
    this.session = session;
    this.sent = 0;
    this.acked = 0;
    this.received = 0;
    this.lastAck = 0;
    this.onProgress = undefined;
    this.open = new Promise((resolve, reject) => {
      const fail = (error) => reject(error instanceof Error ? error : new Error(String(error?.message ?? error)));
      if (kind === "socketio") {
        const socket = (this.socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, timeout: 30_000 }));
        socket.on("connect", resolve);
        socket.on("connect_error", fail);
        socket.on("a", (seq) => this.#acked(seq));
        socket.on("m", (data) => this.#received(data.seq));
        this.closed = new Promise((done) => socket.on("disconnect", done));
        return;
      }
      const ws = (this.socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 }));
      this.closed = new Promise((done) => ws.on("close", done));
      ws.on("error", fail);
      ws.on("close", () => fail(new Error("closed before open")));
      const lifeline = kind.startsWith("lifeline");
      ws.on("open", () => (lifeline ? ws.send(JSON.stringify({ t: "hello", session, ack: 0 })) : resolve()));
      ws.on("message", (data) => {
        const frame = JSON.parse(data);
        if (frame.t === "ack") return this.sent === 0 && frame.seq === 0 ? resolve() : this.#acked(frame.seq);
        if (frame.t === "reset") return fail(new Error(`reset: ${frame.reason}`));
        this.#received(frame.seq);
      });
    });
    this.open.catch(() => {});
  }

  #acked(seq) {
    acks++;
    if (seq > this.acked) this.acked = seq;
    this.onProgress?.();
  }

  #received(seq) {
    this.received++;
    if (this.kind.startsWith("lifeline") && seq - this.lastAck >= ACK_EVERY) this.ack(seq);
    this.onProgress?.();
  }

  ack(seq) {
    this.lastAck = seq;
    this.socket.send(`{"t":"ack","seq":${seq}}`);
  }

  send(seq) {
    const data = message(seq);
    if (this.kind === "socketio") this.socket.emit("m", data);
    else if (this.kind === "ws") this.socket.send(JSON.stringify(data));
    else this.socket.send(JSON.stringify({ t: "msg", seq, data }));
    this.sent = seq;
  }

  close() {
    if (this.kind === "socketio") this.socket.disconnect();
    else this.socket.close();
    return this.closed;
  }
}

let clients = [];
/** Acknowledgements received (every client), so a burst can report how many its server sent. */
let acks = 0;

/** Opens `count` clients, `concurrency` at a time; stops early at `untilMs` or a failure (`bounded`: report it, else throw). */
async function open({ kind, url, count, prefix, concurrency = 200, boundMs, bounded = false }) {
  const until = boundMs === undefined ? Infinity : Date.now() + boundMs;
  let error;
  const opened = [];
  for (let i = 0; i < count && Date.now() < until && !error; i += concurrency) {
    const group = [];
    for (let j = i; j < Math.min(count, i + concurrency); j++) group.push(new Client(kind, url, `${prefix}-${j}`));
    const results = await Promise.allSettled(group.map((c) => c.open));
    results.forEach((r, k) => (r.status === "fulfilled" ? opened.push(group[k]) : (error ??= r.reason)));
    // a failed group's survivors are closed with the rest later
    if (error) clients.push(...group.filter((_, k) => results[k].status !== "fulfilled"));
  }
  clients.push(...opened);
  if (error && !bounded) throw error;
  return { opened: opened.length, error: error?.message, sessions: opened.map((c) => c.session) };
}

async function closeAll() {
  const closing = clients.map((c) => Promise.race([c.close(), new Promise((done) => setTimeout(done, 10_000))]));
  clients = [];
  await Promise.all(closing);
  return {};
}

/** Every client sends `perClient` messages, keeping at most `window` unacknowledged; resolves when all are acknowledged. */
async function inbound({ perClient, window }) {
  const started = wallClock();
  const cpu = process.cpuUsage();
  const acks0 = acks;
  await Promise.all(
    clients.map(
      (c) =>
        new Promise((resolve) => {
          const base = c.sent;
          const last = base + perClient;
          const pump = () => {
            while (c.sent < last && c.sent - c.acked < window) c.send(c.sent + 1);
            if (c.acked >= last) {
              c.onProgress = undefined;
              resolve();
            }
          };
          c.onProgress = pump;
          pump();
        }),
    ),
  );
  const used = process.cpuUsage(cpu);
  // the clients' own CPU: with one core each, this process may bound the rate rather than the server
  return { started, done: wallClock(), clientCpuMicros: used.user + used.system, acks: acks - acks0 };
}

/**
 * Resolves once every client received `total` messages since it opened (a count, not "more":
 * the first may come before this command), then lifeline clients acknowledge the last one.
 */
async function expect({ total }) {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise((resolve) => {
          c.onProgress = () => {
            if (c.received < total) return;
            c.onProgress = undefined;
            if (c.kind.startsWith("lifeline") && c.lastAck < total) c.ack(total);
            resolve();
          };
          c.onProgress();
        }),
    ),
  );
  return { done: wallClock() };
}

/** `count` sessions (or plain connections), `concurrency` at a time: each opens (lifeline: its hello answered) and closes. */
async function churn({ kind, url, count, prefix, concurrency = 200 }) {
  for (let i = 0; i < count; i += concurrency) {
    const group = [];
    for (let j = i; j < Math.min(count, i + concurrency); j++) group.push(new Client(kind, url, `${prefix}-${j}`));
    await Promise.all(group.map((c) => c.open));
    await Promise.all(group.map((c) => c.close()));
  }
  return { count };
}

serve({ ready: () => ({ pid: process.pid }), open, closeAll, inbound, expect, churn });
