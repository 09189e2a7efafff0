import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket, { type ClientOptions, type RawData } from "ws";
import { startServer, type ServerOptions, type TestServer } from "../src/index.js";

const cleanups: Array<() => unknown> = [];

/** Run in afterEach: closes every server, peer, child and temp dir a test made. */
export async function cleanup(): Promise<void> {
  const tasks = cleanups.splice(0).reverse();
  for (const task of tasks) await task();
}

/** A fresh server on port 0, closed after the test. */
export async function serve(options: ServerOptions = {}): Promise<TestServer> {
  const server = await startServer(options);
  cleanups.push(() => server.close());
  return server;
}

export async function tempDir(prefix = "lifeline-test-"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Only for proving that something does NOT happen: there is no event to await
 * for an absence, so give the server a generous moment to (wrongly) act.
 */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Frame {
  data: string | Buffer;
  binary: boolean;
}

export interface PeerOptions extends ClientOptions {
  /**
   * What to do with the server's heartbeat "ping" text frames: queue them like
   * any frame (default), answer "pong", or ignore them (a silent client).
   */
  pings?: "queue" | "answer" | "ignore";
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A `ws` client that buffers frames so a test can await them one by one. */
export class Peer {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  pingsSeen = 0;
  #queue: Frame[] = [];
  #signals = new EventEmitter();

  constructor(url: string, options: PeerOptions = {}) {
    const { pings = "queue", ...clientOptions } = options;
    this.ws = new WebSocket(url, clientOptions);
    // Failures are observed through `opened`/`closed`; an unhandled "error" would crash.
    this.ws.on("error", () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on("message", (raw, isBinary) => {
      const bytes = toBuffer(raw);
      const frame: Frame = isBinary ? { data: bytes, binary: true } : { data: bytes.toString("utf8"), binary: false };
      if (frame.data === "ping" && pings !== "queue") {
        this.pingsSeen++;
        if (pings === "answer") this.ws.send("pong");
        this.#signals.emit("ping");
        return;
      }
      this.#queue.push(frame);
      this.#signals.emit("frame");
    });
    cleanups.push(() => this.ws.terminate());
  }

  /** Frames received and not yet taken by next(). */
  get pending(): readonly Frame[] {
    return this.#queue;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  async next(timeoutMs = 5000): Promise<Frame> {
    const frame = this.#queue.shift();
    if (frame) return frame;
    await withTimeout(once(this.#signals, "frame"), timeoutMs, "peer.next()");
    return this.next(timeoutMs);
  }

  async nextText(timeoutMs = 5000): Promise<string> {
    const frame = await this.next(timeoutMs);
    if (frame.binary) throw new Error("expected a text frame, got a binary one");
    return frame.data as string;
  }

  async waitForPings(n: number, timeoutMs = 5000): Promise<void> {
    while (this.pingsSeen < n) await withTimeout(once(this.#signals, "ping"), timeoutMs, `waitForPings(${n})`);
  }

  /** Resolves when everything sent so far has left this process for the socket. */
  async flushed(): Promise<void> {
    while (this.ws.bufferedAmount > 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function connect(url: string, options?: PeerOptions): Promise<Peer> {
  const peer = new Peer(url, options);
  await withTimeout(peer.opened, 5000, `connect(${url})`);
  return peer;
}

/** The HTTP status of a refused upgrade, read from ws's "unexpected-response". */
export function upgradeStatus(url: string, timeoutMs = 5000): Promise<number> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  ws.on("error", () => {});
  const status = new Promise<number>((resolve, reject) => {
    ws.once("unexpected-response", (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once("open", () => reject(new Error("the upgrade succeeded")));
  });
  return withTimeout(status, timeoutMs, "upgradeStatus()");
}

/** The error of a connection attempt that must fail at the TCP level. */
export function connectError(url: string, timeoutMs = 5000): Promise<NodeJS.ErrnoException> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  const failure = new Promise<NodeJS.ErrnoException>((resolve, reject) => {
    ws.once("error", (error) => resolve(error));
    ws.once("open", () => reject(new Error("the connection succeeded")));
  });
  return withTimeout(failure, timeoutMs, "connectError()");
}

export const packageDir = fileURLToPath(new URL("..", import.meta.url));
export const distDir = path.join(packageDir, "dist");

/** The built output: CLI and child-process tests run what `npm run build` made. */
export async function requireBuild(file: string): Promise<string> {
  const full = path.join(distDir, file);
  await fs.access(full).catch(() => {
    throw new Error(`${full} is missing: run \`npm run build -w @lifeline/test-server\` first`);
  });
  return full;
}

export interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawn Node 22 (vitest's own `process.execPath`); killed after the test if still alive. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(process.execPath, args, { cwd: packageDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const lines = new EventEmitter();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    lines.emit("data");
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async line(pattern, timeoutMs = 10_000) {
      const found = () => out.split("\n").map((l) => l.match(pattern)).find((m) => m !== null);
      const search = (async () => {
        for (;;) {
          const match = found();
          if (match) return match;
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`child exited before printing ${pattern}; stderr: ${err}`);
          }
          await Promise.race([once(lines, "data"), exited]);
        }
      })();
      return withTimeout(search, timeoutMs, `child output ${pattern} (stdout: ${JSON.stringify(out)})`);
    },
  };
}
