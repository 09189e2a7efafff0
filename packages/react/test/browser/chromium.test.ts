// A React app under <StrictMode> in real headless Chromium (Debian's, never
// a downloaded one) against the test server: one connection at the server
// despite the double mount; freeze/thaw and restart show in the page's state
// and what was sent meanwhile arrives, in order.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type TestServer } from "@lifeline/test-server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, launchChromium, withChromium } from "../../../../tools/test-kit/chromium.js";

const DIR = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** Bundles the app with React's development build (StrictMode double-mounts only there). */
async function bundle(outdir: string): Promise<void> {
  for (const file of ["dist/index.js", "../client/dist/index.js"]) {
    if (!existsSync(path.join(DIR, file))) throw new Error(`packages/react/${file} is missing: run \`npx turbo run build --filter=@lifeline/react\` first`);
  }
  await bundleForBrowser({
    entryPoints: [path.join(FIXTURES, "app.tsx")],
    outfile: path.join(outdir, "app.js"),
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"development"' },
  });
  copyFileSync(path.join(FIXTURES, "index.html"), path.join(outdir, "index.html"));
}

/** Waits, in the page, until the element's text is `expected`. */
function waitForText(page: Page, selector: string, expected: string, timeout = 20_000): Promise<unknown> {
  return page.waitForFunction(
    ({ selector, expected }) => document.querySelector(selector)?.textContent === expected,
    { selector, expected },
    { timeout, polling: 20 },
  );
}

async function send(page: Page, texts: readonly string[]): Promise<void> {
  for (const text of texts) {
    await page.fill("#text", text);
    await page.click("#send");
  }
}

/** The chat texts the server received, in order. */
function chats(server: TestServer): string[] {
  return server.texts().flatMap((t) => {
    const body = JSON.parse(t) as { type?: string; text?: string };
    return body.type === "chat" && typeof body.text === "string" ? [body.text] : [];
  });
}

withChromium("a React app under StrictMode in Chromium", "the React StrictMode browser test", () => {
  describe("a React app under StrictMode in Chromium", () => {
    let dir: string | undefined;
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "lifeline-react-"));
      await bundle(dir);
      server = await startServer({ port: 0, heartbeat: false, static: { "/app/": dir } });
      browser = await launchChromium();
      page = await browser.newPage();
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        const text = message.text();
        // the browser's own reports of refused connections (faults we inject) and of the missing favicon are expected
        if (/^(WebSocket connection to .* failed|Failed to load resource)/.test(text)) return;
        if (message.type() === "error" || message.type() === "warning") problems.push(`console.${message.type()}: ${text}`);
      });
      await page.goto(`${server.httpUrl}/app/index.html?ws=${encodeURIComponent(server.url)}`, { timeout: 30_000 });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("mounts twice and opens one connection", async () => {
      await waitForText(page, "#state", "open");
      await send(page, ["hello"]);
      await waitForText(page, "#received", "hello");
      expect(await page.evaluate(() => (globalThis as unknown as { effectRuns: number }).effectRuns)).toBe(2);
      expect(server.connections).toBe(1);
      expect(server.clients).toBe(1);
      expect(problems).toEqual([]);
    });

    it("freeze: the page shows reconnecting and queues; thaw: open again, the queue flushed in order", async () => {
      const before = server.connections;
      server.freeze();
      // only the heartbeat can notice a half-open line
      await waitForText(page, "#state", "reconnecting");
      await send(page, ["frozen-1", "frozen-2", "frozen-3"]);
      await waitForText(page, "#pending", "3");
      expect(chats(server)).toEqual(["hello"]);

      server.thaw();
      await waitForText(page, "#state", "open", 30_000);
      await server.waitForMessages(4, 20_000); // hello + the three
      expect(chats(server)).toEqual(["hello", "frozen-1", "frozen-2", "frozen-3"]);
      await waitForText(page, "#received", "hellofrozen-1frozen-2frozen-3");
      await waitForText(page, "#pending", "0");
      expect(server.connections).toBeGreaterThan(before);
      expect(server.clients).toBe(1);
      expect(problems).toEqual([]);
    });

    it("restart: the page shows reconnecting; what was sent during the downtime arrives in order", async () => {
      const receivedBefore = server.received.length;
      const down = new Promise<void>((resolve) => server.events.once("down", () => resolve()));
      const restarted = server.restart(3_000);
      await down;
      await waitForText(page, "#state", "reconnecting");
      await send(page, ["down-1", "down-2"]);
      await waitForText(page, "#pending", "2");
      await restarted;
      await waitForText(page, "#state", "open", 30_000);
      await waitForText(page, "#pending", "0");
      await server.waitForMessages(receivedBefore + 2, 20_000);
      expect(chats(server).slice(-2)).toEqual(["down-1", "down-2"]);
      await waitForText(page, "#received", "hellofrozen-1frozen-2frozen-3down-1down-2");
      expect(server.clients).toBe(1);
      const states = await page.evaluate(() => (globalThis as unknown as { statesSeen: string[] }).statesSeen);
      expect(states.filter((s) => s === "reconnecting").length).toBeGreaterThanOrEqual(2);
      expect(problems).toEqual([]);
    });
  });
});
