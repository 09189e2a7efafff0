// Real Chromium (Debian's /usr/bin/chromium, never a downloaded browser),
// headless through playwright-core: a page served by the test server imports
// an esbuild browser bundle of dist/index.js and runs the shared scenario,
// plus the browser-only step (offline/online via the context's network
// emulation).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "@lifeline/test-server";
import type { TestServer } from "@lifeline/test-server";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { afterAll, describe, it } from "vitest";
import { CLIENT_DIR, FIXTURES, ROOT, SCENARIO, emptyOutcome, requireBuild, scenarioSuite, type Outcome } from "./harness.js";
import type { StepResult } from "./scenario.mjs";

const CHROMIUM = CHROMIUM_PATH;
const ARGS = [...CHROMIUM_ARGS];
/** Every step bounds itself; this only stops a page that hangs as a whole. */
const RUN_TIMEOUT_MS = 90_000;

/** Bundles dist/index.js and zod for the browser, next to the page. */
async function preparePage(dir: string): Promise<void> {
  requireBuild();
  const result = await build({
    entryPoints: {
      lifeline: path.join(CLIENT_DIR, "dist/index.js"),
      zod: path.join(ROOT, "node_modules/zod/index.js"),
    },
    outdir: dir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  });
  const messages = [...result.errors, ...result.warnings].map((m) => m.text);
  if (messages.length > 0) throw new Error(`esbuild reported: ${messages.join("; ")}`);
  copyFileSync(path.join(FIXTURES, "page.html"), path.join(dir, "index.html"));
  copyFileSync(path.join(FIXTURES, "page.mjs"), path.join(dir, "page.mjs"));
  copyFileSync(SCENARIO, path.join(dir, "scenario.mjs"));
}

if (!existsSync(CHROMIUM)) {
  if (process.env["CI"] === "true") {
    describe("chromium", () => {
      it("is installed (CI must run the browser suite)", () => {
        throw new Error(`${CHROMIUM} not found, and CI=true: the browser suite must run on CI`);
      });
    });
  } else {
    process.stdout.write(`\n  SKIPPED: chromium not found (${CHROMIUM}); the browser runtime suite did not run\n\n`);
    describe.skip("chromium", () => {
      it("runs the scenario", () => {});
    });
  }
} else {
  // "Chromium 156.0.8078.79 built on Debian …"
  const version = /Chromium (\S+)/.exec(execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }))?.[1] ?? "?";
  // the server's static mount must exist when it starts; it is filled in run()
  const dir = mkdtempSync(path.join(tmpdir(), "lifeline-chromium-"));
  let browser: Browser | undefined;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  scenarioSuite(`chromium ${version}`, {
    browser: true,
    expectHello: { name: "chromium", version },
    server: { static: { "/rt/": dir } },
    async run(server) {
      await preparePage(dir);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
      return runPage(browser, server);
    },
    async cleanup() {
      await browser?.close();
    },
  });
}

async function runPage(browser: Browser, server: TestServer): Promise<Outcome> {
  const outcome = emptyOutcome();
  const context = await browser.newContext();
  const page = await context.newPage();
  // anything the page logs or throws ends up in failure messages
  page.on("console", (message) => (outcome.noise += `console.${message.type()}: ${message.text()}\n`));
  page.on("pageerror", (error) => (outcome.noise += `pageerror: ${error.stack ?? error.message}\n`));
  await page.exposeFunction("__lifelineReport", (step: StepResult) => void outcome.steps.set(step.id, step));
  await page.exposeFunction("__lifelineSetOffline", (offline: boolean) => context.setOffline(offline));
  await page.exposeFunction("__lifelineServer", (op: string) => {
    if (op === "state") return server.state();
    if (op === "dropAll") return server.dropAll(1012, "offline test");
    throw new Error(`unknown server op ${op}`);
  });
  await page.goto(`${server.httpUrl}/rt/index.html`, { timeout: 30_000 });
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
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the page did not finish in ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS))),
    ]);
    outcome.done = true;
  } finally {
    clearTimeout(timer);
    await context.close();
  }
  return outcome;
}
