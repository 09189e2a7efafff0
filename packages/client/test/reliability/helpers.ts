// Shared pieces of the reliability suite: a seeded PRNG, bounded event-driven
// waits, child processes on the repo's Node 22, and where the built client is.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(here, "fixtures");
export const CLIENT_ROOT = path.resolve(here, "../..");
export const CLIENT_SRC = path.join(CLIENT_ROOT, "src");
export const CLIENT_DIST = path.join(CLIENT_ROOT, "dist");

/** The built client, which the child processes import; fails loudly when it was not built. */
export function distEntry(): string {
  const entry = path.join(CLIENT_DIST, "index.js");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build -w @lifeline/client\` first`);
  return entry;
}

/**
 * A small seeded PRNG (xorshift32 over a mixed seed), so a failing schedule
 * can be replayed from the printed seed. Not for anything but tests.
 */
export function createRandom(seed: number) {
  // mix the seed so that 0, 1, 2… start far apart and never at the all-zero state
  let state = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  return {
    /** In [0, 1). */
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

/**
 * Resolves once `check()` is true, re-checking whenever `subscribe` signals a
 * change (no polling); rejects with `what` after `timeoutMs`.
 */
export function waitUntil(
  check: () => boolean,
  subscribe: (onChange: () => void) => () => void,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    const unsubscribe = subscribe(() => check() && finish());
    const timer = setTimeout(() => (check() ? finish() : finish(new Error(`${what}: not within ${timeoutMs} ms`))), timeoutMs);
  });
}

/** A plain timed pause, only where time itself is the point (a fault's duration, a gap in a schedule). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the process did not exit by itself within the time allowed and was killed. */
  timedOut: boolean;
  ms: number;
}

export interface RunningChild {
  /** Lines the child printed so far. */
  readonly lines: string[];
  /** Resolves with the first line for which `match` is true. */
  line(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  write(text: string): void;
  /** Resolves when the child exits; kills it (and says so) after `timeoutMs`. */
  exit(timeoutMs: number): Promise<ChildResult>;
}

/** Runs `script` on this process's Node (22, as vitest needs) with a clean TLS environment. */
export function runNode(script: string, args: string[] = [], options: { env?: Record<string, string | undefined>; execArgv?: string[] } = {}): RunningChild {
  const env: Record<string, string | undefined> = { ...process.env };
  // never inherit anything that could loosen or pre-load TLS trust
  delete env.NODE_TLS_REJECT_UNAUTHORIZED;
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  Object.assign(env, options.env);
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.execArgv ?? []), script, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let partial = "";
  const lines: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    for (let i = partial.indexOf("\n"); i !== -1; i = partial.indexOf("\n")) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      lines.push(line);
      for (const waiter of [...lineWaiters]) waiter(line);
    }
  });
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  // a child that already exited must not turn a write into an uncaught EPIPE
  child.stdin.on("error", () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    lines,
    line(match, timeoutMs) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = (line: string) => {
          if (!match(line)) return;
          lineWaiters.delete(waiter);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          lineWaiters.delete(waiter);
          reject(new Error(`child ${path.basename(script)}: expected line not printed within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        lineWaiters.add(waiter);
        void exited.then(() => {
          if (!lineWaiters.has(waiter)) return;
          lineWaiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`child ${path.basename(script)} exited before the expected line\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        });
      });
    },
    write(text) {
      child.stdin.write(text);
    },
    async exit(timeoutMs) {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      const { code, signal } = await exited;
      clearTimeout(timer);
      return { code, signal, stdout, stderr, timedOut, ms: Date.now() - started };
    },
  };
}

/** One line of figures for the run's output; vitest's console is off limits (fail-on-console). */
export function report(line: string): void {
  process.stdout.write(`[reliability] ${line}\n`);
}
