// A real redis-server (Debian's /usr/bin/redis-server; CI installs it) as a
// child process on a free loopback port, without persistence, so that a
// restart loses every key as a crashed Redis without AOF/RDB would.
// Readiness is its "Ready to accept connections" log line, not a sleep.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

/** The redis-server binary: $REDIS_SERVER, else the first on PATH, else /usr/bin/redis-server. */
export function redisServerBinary(): string | undefined {
  const candidates = [
    process.env["REDIS_SERVER"],
    ...(process.env["PATH"] ?? "").split(path.delimiter).map((dir) => dir && path.join(dir, "redis-server")),
    "/usr/bin/redis-server",
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

/**
 * Whether the Redis suites run: a missing redis-server skips them locally,
 * but with CI=true it fails (`requireRedis` throws), never skips.
 */
export const REDIS_BINARY = redisServerBinary();
export const SKIP_REDIS = REDIS_BINARY === undefined && process.env["CI"] !== "true";

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** kill -9 and start again on the same port: every key is gone. */
  restart(): Promise<void>;
  /** kill -9; resolves when the process exited. */
  kill(): Promise<void>;
  /** Starts it again after `kill()`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const READY = /Ready to accept connections/;
const START_TIMEOUT_MS = 10_000;

function launch(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "notice"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => fail(new Error(`redis-server did not get ready in ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (READY.test(log)) {
        done();
        resolve(child);
      }
    };
    const onExit = (code: number | null) => fail(new Error(`redis-server exited (${String(code)}) before it was ready:\n${log}`));
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", fail);
      // keep draining its output so a full pipe never blocks it
      child.stdout?.resume();
      child.stderr?.resume();
    };
    function fail(error: Error) {
      done();
      child.kill("SIGKILL");
      reject(error);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.once("exit", onExit);
    child.once("error", fail);
  });
}

async function killed(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

/** Starts redis-server on a free 127.0.0.1 port (a few tries, in case another process took the port meanwhile). */
export async function startRedis(): Promise<RedisProcess> {
  const binary = REDIS_BINARY;
  if (binary === undefined) throw new Error("redis-server not found (install Debian's redis-server, or set REDIS_SERVER)");
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(binary, port);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  const processOf = () => child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await killed(processOf());
    },
    async start() {
      child = await launch(binary, port);
    },
    async restart() {
      await killed(processOf());
      child = await launch(binary, port);
    },
    async stop() {
      await killed(processOf());
    },
  };
}
