// Real Chromium (Debian's /usr/bin/chromium, never a downloaded browser),
// headless through playwright-core: a page served by the test server imports
// an esbuild browser bundle of dist/index.js and runs the shared scenario,
// plus the browser-only step (offline/online via the context's network
// emulation).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll } from "vitest";
import { bundleForBrowser, chromiumVersion, launchChromium, withChromium } from "../../../../tools/test-kit/chromium.js";
import { CLIENT_DIR, FIXTURES, ROOT, SCENARIO, STEPS_MODULE, copyFiles, requireBuild, runPage, scenarioSuite } from "./harness.js";

/** Every step bounds itself; this only stops a page that hangs as a whole. */
const RUN_TIMEOUT_MS = 90_000;

/** Bundles dist/index.js and zod for the browser, next to the page. */
async function preparePage(dir: string): Promise<void> {
  requireBuild();
  await bundleForBrowser({
    entryPoints: {
      lifeline: path.join(CLIENT_DIR, "dist/index.js"),
      zod: path.join(ROOT, "node_modules/zod/index.js"),
    },
    outdir: dir,
  });
  copyFiles(dir, {
    "index.html": path.join(FIXTURES, "page.html"),
    "page.mjs": path.join(FIXTURES, "page.mjs"),
    "scenario.mjs": SCENARIO,
    "steps.mjs": STEPS_MODULE,
  });
}

withChromium("chromium", "the browser runtime suite", () => {
  const version = chromiumVersion();
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
      browser = await launchChromium();
      return runPage(browser, server, {
        page: "/rt/index.html",
        timeoutMs: RUN_TIMEOUT_MS,
        async expose(page, context) {
          await page.exposeFunction("__lifelineSetOffline", (offline: boolean) => context.setOffline(offline));
          await page.exposeFunction("__lifelineServer", (op: string) => {
            if (op === "state") return server.state();
            if (op === "dropAll") return server.dropAll(1012, "offline test");
            throw new Error(`unknown server op ${op}`);
          });
        },
      });
    },
    async cleanup() {
      await browser?.close();
    },
  });
});
