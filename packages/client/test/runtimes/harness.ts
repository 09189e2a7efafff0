// Runs the shared scenario (scenario.mjs) somewhere else — a child process or
// a browser page — and turns its reports into one vitest assertion per step.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type ServerOptions, type TestServer } from "@lifeline/test-server";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STEPS, type StepResult } from "./scenario.mjs";

export const CLIENT_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const ROOT = path.resolve(CLIENT_DIR, "../..");
export const BIN = path.join(ROOT, "node_modules/.bin");
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
export const SCENARIO = fileURLToPath(new URL("./scenario.mjs", import.meta.url));
/** What the scenarios import (runtimes/steps.mjs): a page needs it next to its scenario. */
export const STEPS_MODULE = fileURLToPath(new URL("./steps.mjs", import.meta.url));

/** Reports start with this mark, so a runtime's own output is never mistaken for one. */
const MARK = "@@lifeline ";
/** The whole scenario takes a few seconds; this only stops a runtime that hangs. */
const RUN_TIMEOUT_MS = 90_000;
/** After its last report, a child whose clients are closed must end on its own by then. */
const EXIT_TIMEOUT_MS = 15_000;

export interface Hello {
  kind: "hello";
  name: string;
  version: string;
  module?: string;
  resolved?: string;
  webSocket?: string;
  loadedWs?: number;
}

export interface Outcome {
  hello: Hello | undefined;
  steps: Map<string, StepResult>;
  /** The scenario reached its end (every step reported). */
  done: boolean;
  /** How the child ended: by itself (with `code`), or killed by us. */
  exit: { code: number | null; signal: string | null; killed: "hung" | "no-exit" | undefined } | undefined;
  /** stderr (and unmarked stdout), for failure messages. */
  noise: string;
}

/** Fails with a clear message when the package was not built first. */
export function requireBuild(): void {
  for (const file of ["dist/index.js", "dist/index.cjs"]) {
    if (!existsSync(path.join(CLIENT_DIR, file))) {
      throw new Error(`packages/client/${file} is missing: run \`npm run build -w @lifeline/client\` first`);
    }
  }
}

/** Parses one line of output into `outcome`; returns false for lines that are not reports. */
export function takeReport(outcome: Outcome, line: string): boolean {
  if (!line.startsWith(MARK)) return false;
  const report = JSON.parse(line.slice(MARK.length)) as { kind: string };
  if (report.kind === "hello") outcome.hello = report as Hello;
  else if (report.kind === "step") {
    const step = report as StepResult & { kind: string };
    outcome.steps.set(step.id, step);
  } else if (report.kind === "done") outcome.done = true;
  return true;
}

export function emptyOutcome(): Outcome {
  return { hello: undefined, steps: new Map(), done: false, exit: undefined, noise: "" };
}

const children = new Set<ChildProcess>();

/** Kills every child still running (afterAll). */
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/**
 * Spawns `command args` with a small, explicit environment and collects its
 * reports. Resolves when the child ends; a child that hangs, or that does not
 * end by itself after reporting `done`, is killed and the outcome says so.
 */
export function runChild(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Outcome> {
  const outcome = emptyOutcome();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let killed: "hung" | "no-exit" | undefined;
    const kill = (why: "hung" | "no-exit") => {
      killed = why;
      child.kill("SIGKILL");
    };
    const hung = setTimeout(() => kill("hung"), RUN_TIMEOUT_MS);
    let noExit: NodeJS.Timeout | undefined;
    let buffered = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!takeReport(outcome, line)) outcome.noise += line + "\n";
        if (outcome.done && !noExit) noExit = setTimeout(() => kill("no-exit"), EXIT_TIMEOUT_MS);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (outcome.noise += chunk));
    child.on("error", (error) => {
      clearTimeout(hung);
      clearTimeout(noExit);
      children.delete(child);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(hung);
      clearTimeout(noExit);
      children.delete(child);
      outcome.exit = { code, signal, killed };
      resolve(outcome);
    });
  });
}

/** Copies each source file to its path (relative to `dir`) in `dir`, making folders as needed. */
export function copyFiles(dir: string, files: Record<string, string>): void {
  for (const [to, from] of Object.entries(files)) {
    const target = path.join(dir, to);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(from, target);
  }
}

/**
 * Opens `page` (a path on the test server) in a fresh context of `browser`,
 * waits for its `lifelineReady`, runs its `lifelineRun(url, httpUrl)` and
 * gathers the steps it reports through `__lifelineReport`; what the page logs
 * or throws ends up in failure messages. `expose` adds the page's other
 * bridges; `timeoutMs` only stops a page that hangs as a whole.
 */
export async function runPage(
  browser: Browser,
  server: TestServer,
  options: { page: string; timeoutMs: number; expose?(page: Page, context: BrowserContext): Promise<void> },
): Promise<Outcome> {
  const outcome = emptyOutcome();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("console", (message) => (outcome.noise += `console.${message.type()}: ${message.text()}\n`));
  page.on("pageerror", (error) => (outcome.noise += `pageerror: ${error.stack ?? error.message}\n`));
  await page.exposeFunction("__lifelineReport", (step: StepResult) => void outcome.steps.set(step.id, step));
  await options.expose?.(page, context);
  await page.goto(`${server.httpUrl}${options.page}`, { timeout: 30_000 });
  await page.waitForFunction(() => (globalThis as unknown as { lifelineReady?: boolean }).lifelineReady === true, null, { timeout: 30_000 });
  outcome.hello = { kind: "hello", name: "chromium", version: browser.version() };
  let timer: NodeJS.Timeout | undefined;
  const run = page.evaluate(
    ([url, httpUrl]) => (globalThis as unknown as { lifelineRun(url: string, httpUrl: string): Promise<unknown> }).lifelineRun(url, httpUrl),
    [server.url, server.httpUrl] as const,
  );
  try {
    await Promise.race([
      run,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the page did not finish in ${options.timeoutMs} ms`)), options.timeoutMs))),
    ]);
    outcome.done = true;
  } finally {
    clearTimeout(timer);
    await context.close();
  }
  return outcome;
}

export interface SuiteOptions {
  /** What `hello` must say (runtime name and version, module format…). */
  expectHello: Partial<Hello>;
  /** The runtime's steps (browser-only steps are skipped elsewhere). */
  browser?: boolean;
  /** Whether the outcome comes from a process that must end by itself. */
  process?: boolean;
  /** Options for the test server (the browser page is served by it). */
  server?: ServerOptions;
  /** Runs the scenario against `server`. */
  run(server: TestServer): Promise<Outcome>;
  /** Called after the run, e.g. to close a browser. */
  cleanup?(): Promise<void>;
}

/** What a suite's beforeAll made: the test server, the runtime's outcome, or what failed before there was one. */
export interface Run {
  server: TestServer;
  outcome: Outcome;
  failure: unknown;
}

/**
 * For the current describe: before its tests, `check()`, a test server with
 * `options.server` and `options.run` against it (`then` sees the result);
 * after them, every child killed, `options.cleanup` and the server closed.
 * The returned Run is filled in by the time the tests run.
 */
export function runBeforeAll(
  options: { check(): void; server?: ServerOptions | undefined; run(server: TestServer): Promise<Outcome>; cleanup?(): Promise<void> },
  timeoutMs: number,
  then: (run: Run) => void = () => {},
): Run {
  const run: Run = { server: undefined as unknown as TestServer, outcome: emptyOutcome(), failure: undefined };
  beforeAll(async () => {
    options.check();
    run.server = await startServer({ port: 0, ...options.server });
    try {
      run.outcome = await options.run(run.server);
    } catch (error) {
      run.failure = error;
    }
    then(run);
  }, timeoutMs);
  afterAll(async () => {
    killChildren();
    await options.cleanup?.();
    await run.server?.close();
  });
  return run;
}

/** The runtime's own output, for a failure message (its last 4,000 characters), or nothing. */
export function outputOf(outcome: Outcome): string {
  return outcome.noise.trim() ? `\n--- runtime output ---\n${outcome.noise.trim().slice(-4000)}` : "";
}

/** The test that the child process ended by itself after close(), with code 0, not killed. */
export function itEndsByItself(run: Run): void {
  it("the process ends by itself after close()", () => {
    const why = outputOf(run.outcome);
    expect(run.outcome.done, `the scenario did not finish${why}`).toBe(true);
    expect(run.outcome.exit?.killed, `the process had to be killed${why}`).toBeUndefined();
    expect(run.outcome.exit, why).toMatchObject({ code: 0, signal: null });
  });
}

/** One describe per runtime: a test per scenario step, plus checks on the server's record. */
export function scenarioSuite(title: string, options: SuiteOptions): void {
  describe(title, () => {
    const run = runBeforeAll({ ...options, check: requireBuild }, RUN_TIMEOUT_MS + EXIT_TIMEOUT_MS + 75_000, ({ outcome }) => {
      const native = [...outcome.steps.values()]
        .map((s) => (s.detail as { native?: string } | undefined)?.native)
        .filter(Boolean)
        .join("; ");
      // a figure worth seeing in the output: what this runtime does natively
      if (native) process.stdout.write(`  ${title}: ${native}\n`);
    });
    const why = () => outputOf(run.outcome);

    it(`runs the scenario in ${title}`, () => {
      if (run.failure) throw run.failure;
      expect(run.outcome.hello, `no hello from the runtime${why()}`).toBeDefined();
      expect(run.outcome.hello).toMatchObject(options.expectHello);
    });

    for (const step of STEPS.filter((s) => options.browser || !s.browser)) {
      it(step.title, () => {
        const result = run.outcome.steps.get(step.id);
        if (!result) throw new Error(`step "${step.id}" never reported (done: ${run.outcome.done})${why()}`);
        if (!result.ok) throw new Error(`${title}, step "${step.id}": ${result.error}`);
      });
    }

    it("the server received the queued messages once each, in order, then the newer one", () => {
      const texts = run.server.texts().map((t) => JSON.parse(t) as { text: string }).map((m) => m.text);
      const at = texts.indexOf("queued-1");
      expect(at, `server texts: ${JSON.stringify(texts)}`).toBeGreaterThanOrEqual(0);
      expect(texts.slice(at, at + 4)).toEqual(["queued-1", "queued-2", "queued-3", "after-open"]);
      expect(texts.filter((t) => t.startsWith("queued-"))).toHaveLength(3);
    });

    it("the binary frame reached the server as binary and came back", () => {
      const probe = Buffer.from([1, 2, 3]); // the scenario's raw-socket probe, not the client
      const frames = run.server.received.filter((m) => m.binary).map((m) => m.data as Buffer);
      const fromClient = frames.filter((b) => !b.equals(probe)).map((b) => JSON.parse(b.toString("utf8")) as unknown);
      expect(fromClient).toEqual([{ type: "chat", text: "bytes ✓ ünïcödé" }]);
    });

    if (options.process) itEndsByItself(run);
  });
}
