// LifelineWebSocket in every runtime lifeline targets, on each one's global
// WebSocket: Node 22, Deno 2 and Bun 1 as child processes importing the built
// `@lifeline/client/websocket` (each must exit by itself after close()), and
// Chromium through an esbuild browser bundle in a page served by the test
// server. Each runs test/websocket/scenario.mjs; one assertion per step.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServerOptions, TestServer } from "@lifeline/test-server";
import type { Browser } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { bundleForBrowser, chromiumVersion, launchChromium, withChromium } from "../../../../tools/test-kit/chromium.js";
import { BIN, CLIENT_DIR, FIXTURES as RUNTIME_FIXTURES, ROOT, STEPS_MODULE, copyFiles, itEndsByItself, outputOf, runBeforeAll, runChild, runPage, type Outcome } from "../runtimes/harness.js";
import { WS_STEPS } from "./scenario.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const FIXTURES = path.join(HERE, "fixtures");
const RUN_FIXTURE = path.join(FIXTURES, "run.mjs");
const ENTRY = path.join(CLIENT_DIR, "dist/websocket.js");
/** Every step bounds itself; this only stops a page that hangs as a whole. */
const PAGE_TIMEOUT_MS = 60_000;

function requireEntry(): void {
  if (!existsSync(ENTRY)) throw new Error(`packages/client/dist/websocket.js is missing: run \`npm run build -w @lifeline/client\` first`);
}

function suite(title: string, options: { process: boolean; browser?: boolean; server?: ServerOptions; run(server: TestServer): Promise<Outcome>; cleanup?(): Promise<void> }): void {
  describe(title, () => {
    const run = runBeforeAll({ ...options, check: requireEntry }, 120_000);
    const why = () => outputOf(run.outcome);

    it("loads @lifeline/client/websocket", () => {
      if (run.failure) throw run.failure;
      expect(run.outcome.hello, `no hello from the runtime${why()}`).toBeDefined();
    });

    for (const { id } of WS_STEPS.filter((step) => options.browser === true || !step.browser)) {
      it(id, () => {
        const step = run.outcome.steps.get(id);
        if (!step) throw new Error(`step "${id}" never reported (done: ${run.outcome.done})${why()}`);
        if (!step.ok) throw new Error(`${title}, step "${id}": ${step.error}\n${JSON.stringify(step.detail)}`);
      });
    }

    it("the server got the queued frames once each, in order, before the newer one", () => {
      const texts = run.server.texts();
      expect(texts.slice(0, 3)).toEqual(["queued-1", "queued-2", "hello"]);
      expect(texts.filter((t) => t === "queued-1")).toHaveLength(1);
    });

    if (options.process) itEndsByItself(run);
  });
}

suite(`node ${process.versions.node}`, {
  process: true,
  run: (server) => runChild(process.execPath, [RUN_FIXTURE, server.url, server.httpUrl], { cwd: CLIENT_DIR, env: {} }),
});

const bun = path.join(BIN, "bun");
suite("bun", {
  process: true,
  run: (server) =>
    runChild(bun, ["--no-install", RUN_FIXTURE, server.url, server.httpUrl], { cwd: CLIENT_DIR, env: { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", DO_NOT_TRACK: "1" } }),
});

const denoTemp = mkdtempSync(path.join(tmpdir(), "lifeline-ws-deno-"));
afterAll(() => rmSync(denoTemp, { recursive: true, force: true }));
suite("deno", {
  process: true,
  run: (server) => {
    const importMap = path.join(denoTemp, "import_map.json");
    writeFileSync(
      importMap,
      JSON.stringify({
        imports: {
          "@lifeline/client/websocket": pathToFileURL(ENTRY).href,
          // the core's one dependency
          mitt: pathToFileURL(path.join(ROOT, "node_modules/mitt/dist/mitt.mjs")).href,
        },
      }),
    );
    const env = { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DENO_DIR: path.join(denoTemp, "deno-dir") };
    const args = ["run", "--no-config", "--no-remote", "--no-npm", `--import-map=${importMap}`, "--allow-net=127.0.0.1", RUN_FIXTURE, server.url, server.httpUrl];
    return runChild(path.join(BIN, "deno"), args, { cwd: denoTemp, env });
  },
});

withChromium("chromium", "LifelineWebSocket in a browser", () => {
  const version = chromiumVersion();
  // the server's static mount must exist when it starts; it is filled in run()
  // (mirroring test/: the scenario imports ../runtimes/steps.mjs)
  const dir = mkdtempSync(path.join(tmpdir(), "lifeline-ws-chromium-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let browser: Browser | undefined;
  suite(`chromium ${version}`, {
    process: false,
    browser: true,
    server: { static: { "/rt/": dir } },
    async run(server) {
      requireEntry();
      await bundleForBrowser({ entryPoints: { websocket: ENTRY }, outdir: path.join(dir, "websocket") });
      copyFiles(dir, {
        "websocket/index.html": path.join(RUNTIME_FIXTURES, "page.html"),
        "websocket/page.mjs": path.join(FIXTURES, "page.mjs"),
        "websocket/scenario.mjs": path.join(HERE, "scenario.mjs"),
        "runtimes/steps.mjs": STEPS_MODULE,
      });
      browser = await launchChromium();
      return runPage(browser, server, { page: "/rt/websocket/index.html", timeoutMs: PAGE_TIMEOUT_MS });
    },
    async cleanup() {
      await browser?.close();
    },
  });
});
