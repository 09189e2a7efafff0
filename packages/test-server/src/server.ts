import { EventEmitter } from "node:events";
import { createDelivery } from "./delivery.js";
import type { Delivery, DeliveryConnection } from "./delivery.js";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import { handleControl } from "./control.js";
import {
  isMode,
  resolveOptions,
  type OutgoingData,
  type ResolvedOptions,
  type ServerMode,
  type ServerOptions,
  type StaticMount,
} from "./options.js";
import { checkMounts, serveStatic } from "./static.js";

/** One user frame the server received (heartbeat `ping`/`pong` frames are not recorded). */
export interface ReceivedMessage {
  /** Connection id, 1, 2, 3… in order of acceptance. */
  client: number;
  /** A string for a text frame, a Buffer for a binary frame. */
  data: string | Buffer;
  binary: boolean;
  /** `Date.now()` when the frame was read. */
  at: number;
}

/** What `GET /control/state` answers. */
export interface ServerState {
  clients: number;
  connections: number;
  rejected: number;
  frozen: boolean;
  mode: ServerMode;
  delay: number;
  /** Number of recorded user frames. */
  received: number;
  /** Upgrade requests held unanswered by `freeze()`. */
  held: number;
  /** Acknowledged delivery only: messages handed to the application, and duplicates dropped. */
  delivered?: number;
  duplicates?: number;
}

/** The events on `server.events`. */
export interface ServerEvents {
  connection: [{ client: number }];
  message: [ReceivedMessage];
  /** `code` is what the close handshake carried; 1006 when the TCP socket just went away. */
  disconnect: [{ client: number; code: number }];
  /** The number of upgrade requests held by `freeze()` changed (one arrived, or its client gave up). */
  held: [{ pending: number }];
  /** An upgrade was refused by `rejectNext()`. */
  rejected: [{ status: number }];
  /** `restart()` closed the listener and every socket (new connections are refused from the call on). */
  down: [];
  /** `restart()` listens again. */
  up: [{ port: number }];
  /** `onMessage` threw; the client was closed with 1011. */
  hookError: [{ client: number; error: unknown }];
}

export interface TestServer {
  /** `ws://127.0.0.1:PORT/ws` (or `wss://`); upgrades are accepted on any path. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (or `https://`), no trailing slash. */
  readonly httpUrl: string;
  readonly port: number;
  /** Currently open connections. */
  readonly clients: number;
  /** Upgrades accepted since start (or the last `reset()`). */
  readonly connections: number;
  /** Upgrades refused by `rejectNext()` since start (or the last `reset()`). */
  readonly rejected: number;
  /** Text `"ping"` frames received from clients. */
  readonly pings: number;
  /** Text `"pong"` frames received from clients. */
  readonly pongs: number;
  readonly mode: ServerMode;
  readonly frozen: boolean;
  /** Current outgoing delay in ms. */
  readonly delayMs: number;
  /**
   * With `delivery: "at-least-once"`: the protocol's state and the record of
   * what the application received (exactly once, in order); else undefined.
   */
  readonly delivery: Delivery | undefined;
  /** Every user frame in order of arrival; cleared in place by `reset()`. */
  readonly received: readonly ReceivedMessage[];
  /** The text frames of `received`. */
  texts(): string[];
  /** Clear `received` and the counters (connection ids keep counting up). */
  reset(): void;
  state(): ServerState;

  /** Send to every open client: text for a string, binary for bytes. */
  broadcast(data: OutgoingData): void;
  setMode(mode: ServerMode): void;

  /** Close every client with a close frame. Frames still held by `delay`/`freeze` are dropped. */
  dropAll(code?: number, reason?: string): void;
  /** Destroy every client's TCP socket: no close frame, the client sees 1006. */
  terminateAll(): void;
  /**
   * A half-open line: stop reading existing sockets and write nothing to them;
   * hold new upgrade requests unanswered. Control/static HTTP keeps working.
   */
  freeze(): void;
  /** Resume reading, deliver what was held, answer held upgrades whose socket is still alive. */
  thaw(): void;
  /** Answer the next `n` upgrades with HTTP `status` instead of 101 (`n = 0` cancels). */
  rejectNext(n: number, status?: number): void;
  /** Terminate all clients, close the listener, wait, listen again on the same port. */
  restart(downForMs: number): Promise<void>;
  /** Delay every outgoing frame by `ms`, order preserved; 0 turns it off. */
  delay(ms: number): void;

  /** Resolves once `clients >= n`. */
  waitForClients(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `connections >= total`. */
  waitForConnections(total: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `received.length >= count`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  readonly events: EventEmitter<ServerEvents>;

  /** Terminate everything, close the listener, clear every timer. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Outgoing {
  data: string | Buffer;
  binary: boolean;
  /** `performance.now()` time at which the frame may be written. */
  due: number;
  onWritten: (() => void) | undefined;
}

interface Connection {
  readonly id: number;
  readonly ws: WebSocket;
  /** Frames waiting for their delay to pass or for `thaw()`. */
  readonly outbox: Outgoing[];
  flushTimer: NodeJS.Timeout | undefined;
  /** Heartbeat: terminate unless something is heard before it fires. */
  deadline: NodeJS.Timeout | undefined;
  /** Frames ws had already parsed when `freeze()` paused the socket. */
  readonly heldIncoming: Array<{ data: RawData; isBinary: boolean }>;
}

interface HeldUpgrade {
  req: http.IncomingMessage;
  socket: Duplex;
  head: Buffer;
  chunks: Buffer[];
  detach(): void;
}

interface Waiter {
  check(): boolean;
  cancel(): void;
}

const DEFAULT_WAIT_MS = 5000;
const noop = () => {};

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function toFrame(data: OutgoingData): { data: string | Buffer; binary: boolean } {
  if (typeof data === "string") return { data, binary: false };
  if (Buffer.isBuffer(data)) return { data, binary: true };
  if (data instanceof Uint8Array) return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), binary: true };
  throw new TypeError(`data must be a string, Buffer or Uint8Array, got ${typeof data}`);
}

/** The close codes `ws` lets a server send. */
export function isSendableCloseCode(code: unknown): code is number {
  return (
    typeof code === "number" &&
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))
  );
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function nonNegativeMs(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number of ms, got ${String(value)}`);
  }
  return value;
}

function urlHost(host: string): string {
  // A wildcard address is not something a client can dial; loopback is.
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

class Server implements TestServer {
  readonly events = new EventEmitter<ServerEvents>();
  readonly received: ReceivedMessage[] = [];
  readonly delivery: Delivery | undefined;
  #deliveryConns = new Map<number, DeliveryConnection>();

  #options: ResolvedOptions;
  #mounts: StaticMount[];
  #http: http.Server;
  #wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  #port = 0;
  #conns = new Map<number, Connection>();
  #nextId = 0;
  #connections = 0;
  #rejected = 0;
  #pings = 0;
  #pongs = 0;
  #mode: ServerMode;
  #delayMs = 0;
  #frozen = false;
  #heldUpgrades: HeldUpgrade[] = [];
  /** Upgrade sockets (accepted or refused): the HTTP server stops tracking them after "upgrade". */
  #upgradeSockets = new Set<Duplex>();
  #rejectRemaining = 0;
  #rejectStatus = 503;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #down = false;
  #restartTask: Promise<void> | undefined;
  #cancelRestartWait: (() => void) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #waiters = new Set<Waiter>();

  constructor(options: ResolvedOptions, mounts: StaticMount[]) {
    this.#options = options;
    this.#mounts = mounts;
    this.#mode = options.mode;
    if (options.delivery === "at-least-once") {
      this.delivery = createDelivery({
        onMessage: (message, reply) => {
          if (this.#mode === "echo" || message.id !== undefined) reply(message.data);
          else for (const conn of this.#deliveryConns.values()) conn.send(message.data);
        },
      });
    }
    this.events.setMaxListeners(100);
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.#onRequest(req, res);
    this.#http = options.tls
      ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
      : http.createServer(onRequest);
    this.#http.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
  }

  async start(): Promise<void> {
    await this.#listen(this.#options.port);
    const hb = this.#options.heartbeat;
    if (hb) this.#heartbeatTimer = setInterval(() => this.#heartbeatTick(), hb.interval);
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        reject(new Error(`cannot listen on ${this.#options.host}:${port}: ${error.message}`, { cause: error }));
      };
      this.#http.once("error", onError);
      this.#http.listen(port, this.#options.host, () => {
        this.#http.off("error", onError);
        this.#port = (this.#http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  #closeListener(): Promise<void> {
    if (!this.#http.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.#http.close(() => resolve());
      // Keep-alive HTTP connections would otherwise hold close() open.
      this.#http.closeAllConnections();
    });
  }

  // ---- read-only view -------------------------------------------------------

  get url(): string {
    return `${this.#options.tls ? "wss" : "ws"}://${urlHost(this.#options.host)}:${this.#port}/ws`;
  }
  get httpUrl(): string {
    return `${this.#options.tls ? "https" : "http"}://${urlHost(this.#options.host)}:${this.#port}`;
  }
  get port(): number {
    return this.#port;
  }
  get clients(): number {
    return this.#conns.size;
  }
  get connections(): number {
    return this.#connections;
  }
  get rejected(): number {
    return this.#rejected;
  }
  get pings(): number {
    return this.#pings;
  }
  get pongs(): number {
    return this.#pongs;
  }
  get mode(): ServerMode {
    return this.#mode;
  }
  get frozen(): boolean {
    return this.#frozen;
  }
  get delayMs(): number {
    return this.#delayMs;
  }

  texts(): string[] {
    return this.received.flatMap((m) => (m.binary ? [] : [m.data as string]));
  }

  reset(): void {
    this.received.length = 0;
    this.#connections = 0;
    this.#rejected = 0;
    this.#pings = 0;
    this.#pongs = 0;
  }

  state(): ServerState {
    return {
      clients: this.clients,
      connections: this.#connections,
      rejected: this.#rejected,
      frozen: this.#frozen,
      mode: this.#mode,
      delay: this.#delayMs,
      received: this.received.length,
      held: this.#heldUpgrades.length,
      ...(this.delivery && { delivered: this.delivery.delivered.length, duplicates: this.delivery.duplicates }),
    };
  }

  // ---- HTTP -----------------------------------------------------------------

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const pathname = q === -1 ? raw : raw.slice(0, q);
    const search = q === -1 ? "" : raw.slice(q);
    if (pathname === "/control" || pathname.startsWith("/control/")) {
      handleControl(this, req, res, pathname);
      return;
    }
    serveStatic(this.#mounts, req, res, pathname, search)
      .then((served) => {
        if (served) return;
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("404 Not Found\n");
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  }

  // ---- upgrades -------------------------------------------------------------

  #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset from a client that gave up must not become an uncaught error.
    socket.on("error", noop);
    if (this.#closed || this.#down) {
      socket.destroy();
      return;
    }
    if (this.#frozen) {
      this.#hold(req, socket, head);
      return;
    }
    this.#answerUpgrade(req, socket, head);
  }

  #hold(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    // A client that gives up (FIN) must not be completed at thaw().
    const onEnd = () => socket.destroy();
    const onClose = () => {
      const i = this.#heldUpgrades.indexOf(entry);
      if (i === -1) return;
      this.#heldUpgrades.splice(i, 1);
      this.events.emit("held", { pending: this.#heldUpgrades.length });
    };
    const entry: HeldUpgrade = {
      req,
      socket,
      head,
      chunks,
      detach: () => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onClose);
      },
    };
    // Reading (into `chunks`) is what lets us notice a client that went away.
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onClose);
    this.#heldUpgrades.push(entry);
    this.events.emit("held", { pending: this.#heldUpgrades.length });
  }

  #answerUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#rejectRemaining > 0) {
      this.#rejectRemaining--;
      this.#rejected++;
      const status = this.#rejectStatus;
      const text = http.STATUS_CODES[status] ?? "Unknown";
      const body = `${status} ${text} (rejectNext)\n`;
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      // Read the client's FIN so the socket closes instead of lingering half-open.
      socket.resume();
      this.#track(socket);
      this.events.emit("rejected", { status });
      return;
    }
    this.#track(socket);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  #track(socket: Duplex): void {
    this.#upgradeSockets.add(socket);
    socket.once("close", () => this.#upgradeSockets.delete(socket));
  }

  #accept(ws: WebSocket): void {
    if (this.#closed || this.#down) {
      ws.terminate();
      return;
    }
    const conn: Connection = {
      id: ++this.#nextId,
      ws,
      outbox: [],
      flushTimer: undefined,
      deadline: undefined,
      heldIncoming: [],
    };
    this.#conns.set(conn.id, conn);
    this.#connections++;
    ws.on("message", (data, isBinary) => this.#onFrame(conn, data, isBinary));
    // Errors always end in "close", which is what we report.
    ws.on("error", noop);
    ws.on("close", (code) => {
      this.#clearTimers(conn);
      conn.outbox.length = 0;
      this.#conns.delete(conn.id);
      this.#deliveryConns.get(conn.id)?.close();
      this.#deliveryConns.delete(conn.id);
      this.events.emit("disconnect", { client: conn.id, code });
      this.#settleWaiters();
    });
    this.events.emit("connection", { client: conn.id });
    this.#settleWaiters();
  }

  // ---- frames in ------------------------------------------------------------

  #onFrame(conn: Connection, raw: RawData, isBinary: boolean): void {
    if (this.#frozen) {
      // ws can still emit frames it had buffered before the pause; keep them for thaw().
      conn.heldIncoming.push({ data: raw, isBinary });
      return;
    }
    // Anything heard proves the client alive, not only "pong".
    if (conn.deadline) {
      clearTimeout(conn.deadline);
      conn.deadline = undefined;
    }
    const bytes = toBuffer(raw);
    const data: string | Buffer = isBinary ? bytes : bytes.toString("utf8");
    if (data === "ping") {
      this.#pings++;
      this.#send(conn, "pong", false);
      return;
    }
    if (data === "pong") {
      this.#pongs++;
      return;
    }
    const record: ReceivedMessage = { client: conn.id, data, binary: isBinary, at: Date.now() };
    this.received.push(record);
    this.events.emit("message", record);

    let handled: boolean | void = false;
    if (this.delivery && !isBinary) {
      let protocol = this.#deliveryConns.get(conn.id);
      if (!protocol) {
        protocol = this.delivery.connection((text) => this.#send(conn, text, false));
        this.#deliveryConns.set(conn.id, protocol);
      }
      handled = protocol.handle(data as string);
    }
    const hook = this.#options.onMessage;
    if (hook && !handled) {
      try {
        handled = hook({
          client: conn.id,
          data,
          binary: isBinary,
          reply: (out) => {
            const frame = toFrame(out);
            this.#send(conn, frame.data, frame.binary);
          },
        });
      } catch (error) {
        handled = true;
        conn.ws.close(1011, "onMessage hook threw");
        this.events.emit("hookError", { client: conn.id, error });
      }
    }
    if (handled !== true) {
      if (this.#mode === "echo") this.#send(conn, data, isBinary);
      else for (const other of this.#conns.values()) this.#send(other, data, isBinary);
    }
    this.#settleWaiters();
  }

  // ---- frames out -----------------------------------------------------------

  /** Every outgoing data frame goes through here so delay and freeze apply to all. */
  #send(conn: Connection, data: string | Buffer, binary: boolean, onWritten?: () => void): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (this.#delayMs === 0 && !this.#frozen && conn.outbox.length === 0) {
      conn.ws.send(data, { binary });
      onWritten?.();
      return;
    }
    // Queued behind earlier frames even when its own due time is earlier: order is kept.
    conn.outbox.push({ data, binary, due: performance.now() + this.#delayMs, onWritten });
    if (!conn.flushTimer) this.#flush(conn);
  }

  #flush(conn: Connection): void {
    if (conn.flushTimer) clearTimeout(conn.flushTimer);
    conn.flushTimer = undefined;
    if (this.#frozen || conn.ws.readyState !== WebSocket.OPEN) return;
    // 1 ms slack: timers run on a coarser clock than performance.now().
    const now = performance.now() + 1;
    let head = conn.outbox[0];
    while (head && head.due <= now) {
      conn.outbox.shift();
      conn.ws.send(head.data, { binary: head.binary });
      head.onWritten?.();
      head = conn.outbox[0];
    }
    if (head) {
      conn.flushTimer = setTimeout(() => this.#flush(conn), Math.max(1, Math.ceil(head.due - performance.now())));
    }
  }

  broadcast(data: OutgoingData): void {
    const frame = toFrame(data);
    for (const conn of this.#conns.values()) this.#send(conn, frame.data, frame.binary);
  }

  setMode(mode: ServerMode): void {
    if (!isMode(mode)) throw new TypeError(`mode must be "echo" or "broadcast", got ${String(mode)}`);
    this.#mode = mode;
  }

  // ---- heartbeat ------------------------------------------------------------

  #heartbeatTick(): void {
    // A frozen line sends nothing, and cannot hear answers, so it judges nobody.
    if (this.#frozen || this.#down) return;
    for (const conn of this.#conns.values()) {
      this.#send(conn, "ping", false, () => this.#armDeadline(conn));
    }
  }

  #armDeadline(conn: Connection): void {
    const hb = this.#options.heartbeat;
    // An earlier unanswered ping already set the deadline; later pings do not extend it.
    if (!hb || conn.deadline) return;
    conn.deadline = setTimeout(() => {
      conn.deadline = undefined;
      if (!this.#frozen) conn.ws.terminate();
    }, hb.timeout);
  }

  #clearTimers(conn: Connection): void {
    if (conn.flushTimer) clearTimeout(conn.flushTimer);
    if (conn.deadline) clearTimeout(conn.deadline);
    conn.flushTimer = undefined;
    conn.deadline = undefined;
  }

  // ---- faults ---------------------------------------------------------------

  dropAll(code = 1000, reason = ""): void {
    if (!isSendableCloseCode(code)) {
      throw new RangeError(`dropAll code must be 1000-1003, 1007-1014 or 3000-4999, got ${String(code)}`);
    }
    if (typeof reason !== "string" || Buffer.byteLength(reason) > 123) {
      throw new RangeError("dropAll reason must be a string of at most 123 bytes");
    }
    for (const conn of this.#conns.values()) {
      this.#clearTimers(conn);
      conn.outbox.length = 0;
      // Read again so the client's close frame completes the handshake; frames
      // that arrive meanwhile stay held and are discarded with the connection.
      if (this.#frozen) conn.ws.resume();
      conn.ws.close(code, reason);
    }
  }

  terminateAll(): void {
    for (const conn of this.#conns.values()) conn.ws.terminate();
  }

  freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    for (const conn of this.#conns.values()) {
      conn.ws.pause();
      if (conn.flushTimer) clearTimeout(conn.flushTimer);
      conn.flushTimer = undefined;
      // The client cannot be heard while frozen, so it cannot be late either.
      if (conn.deadline) clearTimeout(conn.deadline);
      conn.deadline = undefined;
    }
  }

  thaw(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    for (const conn of [...this.#conns.values()]) {
      for (const frame of conn.heldIncoming.splice(0)) this.#onFrame(conn, frame.data, frame.isBinary);
      conn.ws.resume();
      this.#flush(conn);
    }
    for (const held of this.#heldUpgrades.splice(0)) {
      held.detach();
      const { socket } = held;
      if (socket.destroyed || !socket.readable || !socket.writable) {
        socket.destroy();
        continue;
      }
      // Synchronous from here into ws's own "data" listener, so no chunk is lost.
      this.#answerUpgrade(held.req, socket, Buffer.concat([held.head, ...held.chunks]));
    }
  }

  rejectNext(n: number, status = 503): void {
    nonNegativeInteger("rejectNext n", n);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`rejectNext status must be an HTTP status from 200 to 599, got ${String(status)}`);
    }
    this.#rejectRemaining = n;
    this.#rejectStatus = status;
  }

  delay(ms: number): void {
    this.#delayMs = nonNegativeMs("delay", ms);
  }

  restart(downForMs: number): Promise<void> {
    try {
      nonNegativeMs("restart downForMs", downForMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(new Error("restart(): the server is closed"));
    if (this.#restartTask) return Promise.reject(new Error("restart(): a restart is already in progress"));
    const task = this.#restart(downForMs).finally(() => {
      this.#restartTask = undefined;
    });
    this.#restartTask = task;
    return task;
  }

  async #restart(downForMs: number): Promise<void> {
    this.#down = true;
    // A restarted server is a fresh process in spirit: nothing stays frozen.
    this.#frozen = false;
    this.#destroyAllSockets();
    // Closing the listener happens synchronously here, so connections fail from now on.
    const closed = this.#closeListener();
    await closed;
    // After the listener is fully closed (not synchronously), so a caller can
    // still subscribe after calling restart().
    this.events.emit("down");
    // close() may have come while the listener was closing, before the wait below existed.
    if (this.#closed) throw new Error("restart(): the server was closed while down");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, downForMs);
      this.#cancelRestartWait = () => {
        clearTimeout(timer);
        reject(new Error("restart(): the server was closed while down"));
      };
    });
    this.#cancelRestartWait = undefined;
    if (this.#closed) throw new Error("restart(): the server was closed while down");
    await this.#listen(this.#port);
    this.#down = false;
    this.events.emit("up", { port: this.#port });
  }

  #destroyAllSockets(): void {
    for (const conn of this.#conns.values()) {
      this.#clearTimers(conn);
      conn.ws.terminate();
    }
    for (const held of this.#heldUpgrades.splice(0)) {
      held.detach();
      held.socket.destroy();
    }
    for (const socket of this.#upgradeSockets) socket.destroy();
  }

  // ---- waiting --------------------------------------------------------------

  waitForClients(n: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#waitFor(`waitForClients(${n})`, n, () => this.clients, "clients", timeoutMs);
  }

  waitForConnections(total: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#waitFor(`waitForConnections(${total})`, total, () => this.#connections, "connections", timeoutMs);
  }

  waitForMessages(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#waitFor(`waitForMessages(${count})`, count, () => this.received.length, "received", timeoutMs);
  }

  #waitFor(what: string, target: number, current: () => number, label: string, timeoutMs: number): Promise<void> {
    try {
      nonNegativeInteger(what, target);
      nonNegativeMs(`${what} timeoutMs`, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (current() >= target) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error(`${what}: the server is closed (${label} = ${current()})`));
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        if (error) reject(error);
        else resolve();
      };
      const waiter: Waiter = {
        check: () => {
          if (current() < target) return false;
          finish();
          return true;
        },
        cancel: () => finish(new Error(`${what}: the server closed while waiting (${label} = ${current()})`)),
      };
      const timer = setTimeout(
        () => finish(new Error(`${what} timed out after ${timeoutMs} ms (${label} = ${current()})`)),
        timeoutMs,
      );
      this.#waiters.add(waiter);
    });
  }

  #settleWaiters(): void {
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  // ---- shutdown -------------------------------------------------------------

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    this.#frozen = false;
    this.#cancelRestartWait?.();
    await this.#restartTask?.catch(noop);
    this.#destroyAllSockets();
    for (const waiter of [...this.#waiters]) waiter.cancel();
    await this.#closeListener();
    this.#wss.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Start a loopback WebSocket server with fault injection.
 *
 * @example
 * const server = await startServer({ heartbeat: 1000 });
 * const ws = new WebSocket(server.url);
 * await server.waitForClients(1);
 * server.freeze(); // the line goes silent, the TCP connection stays up
 * await server.close();
 */
export async function startServer(options?: ServerOptions): Promise<TestServer> {
  const resolved = resolveOptions(options);
  const mounts = await checkMounts(resolved.static);
  const server = new Server(resolved, mounts);
  await server.start();
  return server;
}
