// acrossTabs() in real Chromium (Debian's /usr/bin/chromium, headless through
// playwright-core): several pages of the test server's origin in one browser
// context share one WebSocket. The server's record is the judge: how many
// connections it saw, and what it received, in which order, how often.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startServer } from "@lifeline/test-server";
import type { TestServer } from "@lifeline/test-server";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, launchChromium, withChromium } from "../../../../tools/test-kit/chromium.js";
import { CLIENT_DIR, FIXTURES, copyFiles, requireBuild } from "./harness.js";

const NAME = "tabs-test";
/** How long a takeover may take, from the leader page closing to a follower leading. */
const TAKEOVER_MS = 1_000;
const WAIT_MS = 15_000;

type Message = { tab: string; n: number };
interface TabGlobals {
  startTab(url: string, name: string, acknowledged: boolean, heartbeat?: { interval: number; timeout: number }): void;
  role(): string | undefined;
  burst(id: string, count: number): void;
  stream(id: string, count: number, everyMs: number): Promise<void>;
  follow(topic: string): void;
  tab: { roles: Array<{ role: string; at: number }>; received: unknown[]; client: { state: string; pending: unknown[] }; offsets: number[]; subscribed: number };
  lifelineReady?: boolean;
}
declare global {
  // the page's globals (fixtures/share-page.mjs), as the functions run in the page see them
  var lifelineTab: TabGlobals;
}

async function preparePages(dir: string): Promise<void> {
  requireBuild();
  // (rollup hoists a chunk's transitive imports as bare imports, which esbuild warns about: harmless)
  await bundleForBrowser(
    {
      stdin: {
        contents: `export { createClient } from "./dist/index.js"; export { acrossTabs } from "./dist/share.js"; export { atLeastOnce } from "./dist/at-least-once.js"; export { subscribe } from "./dist/topics.js";`,
        resolveDir: CLIENT_DIR,
        loader: "js",
      },
      outfile: path.join(dir, "lifeline-share.js"),
    },
    { allowWarnings: true },
  );
  copyFiles(dir, { "index.html": path.join(FIXTURES, "share-page.html"), "share-page.mjs": path.join(FIXTURES, "share-page.mjs") });
}

/** Messages of `tab` as the server's application received them, in order (with acknowledged delivery: after de-duplication). */
function fromTab(server: TestServer, tab: string): number[] {
  const messages = server.delivery ? server.delivery.delivered.map((m) => m.data as Message) : server.texts().map((t) => JSON.parse(t) as Message);
  return messages.filter((m) => m.tab === tab).map((m) => m.n);
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

withChromium("acrossTabs() in chromium", "the multi-tab suite", () => {
  describe.each(["at-most-once", "at-least-once"] as const)("acrossTabs() in chromium, %s: one connection for every tab", (mode) => {
    const acknowledged = mode === "at-least-once";
    const dir = mkdtempSync(path.join(tmpdir(), "lifeline-tabs-"));
    let browser: Browser;
    let server: TestServer;
    let context: BrowserContext;
    let noise = "";

    beforeAll(async () => {
      await preparePages(dir);
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    afterEach(async () => {
      await context?.close();
      await server?.close();
      expect(noise, "the pages logged or threw").toBe("");
    });

    /** A fresh server (no echo: the record is what the tabs sent) and browser context. */
    async function fresh(): Promise<void> {
      noise = "";
      // no echo for plain frames: the record is what the tabs sent (acknowledged envelopes are answered by the protocol)
      server = await startServer({ port: 0, static: { "/tabs/": dir }, onMessage: () => true, delivery: mode });
      context = await browser.newContext();
    }

    /** Opens a page of the origin and starts its client; resolves once it knows its role. */
    async function openTab(heartbeat?: { interval: number; timeout: number }): Promise<Page> {
      const page = await context.newPage();
      page.on("console", (message) => (noise += `console.${message.type()}: ${message.text()}\n`));
      page.on("pageerror", (error) => (noise += `pageerror: ${error.stack ?? error.message}\n`));
      await page.goto(`${server.httpUrl}/tabs/index.html`, { timeout: 30_000 });
      await page.waitForFunction(() => lifelineTab.lifelineReady === true, null, { timeout: WAIT_MS });
      await page.evaluate(([url, name, acked, beat]) => lifelineTab.startTab(url, name, acked, beat), [server.url, NAME, acknowledged, heartbeat] as const);
      await page.waitForFunction(() => lifelineTab.role() !== undefined, null, { timeout: WAIT_MS });
      return page;
    }

    const roleOf = (page: Page) => page.evaluate(() => lifelineTab.role());
    const untilOpen = (page: Page) => page.waitForFunction(() => lifelineTab.tab.client.state === "open", null, { timeout: WAIT_MS });

    async function threeTabs(): Promise<Page[]> {
      const pages = [await openTab(), await openTab(), await openTab()];
      for (const page of pages) await untilOpen(page);
      expect(await Promise.all(pages.map(roleOf))).toEqual(["leader", "follower", "follower"]);
      return pages;
    }

    it("three tabs: the server sees one connection; each tab's messages arrive once, in its order; a broadcast reaches all three", async () => {
      await fresh();
      const pages = await threeTabs();
      expect(server.connections).toBe(1);
      expect(server.clients).toBe(1);

      await Promise.all(pages.map((page, i) => page.evaluate(([id]) => lifelineTab.burst(id, 100), [`tab${i}`] as const)));
      await server.waitForMessages(300, WAIT_MS);
      // what a follower handed over is confirmed (acknowledged): nothing pending anywhere
      for (const page of pages) await page.waitForFunction(() => lifelineTab.tab.client.pending.length === 0, null, { timeout: WAIT_MS });
      for (let i = 0; i < 3; i++) expect(fromTab(server, `tab${i}`), `tab${i}`).toEqual(range(100));
      // one session at the server, whichever tab sent
      if (server.delivery) expect(new Set(server.delivery.delivered.map((m) => m.session)).size).toBe(1);

      // (with acknowledged delivery, as a plain protocol message: an envelope without seq)
      const news = { type: "news", text: "to everyone" };
      server.broadcast(JSON.stringify(acknowledged ? { t: "msg", data: news } : news));
      for (const page of pages) {
        await page.waitForFunction(() => lifelineTab.tab.received.some((m) => (m as { type?: string }).type === "news"), null, { timeout: WAIT_MS });
        expect(await page.evaluate(() => lifelineTab.tab.received.filter((m) => (m as { type?: string }).type === "news"))).toEqual([news]);
      }
      expect(server.connections).toBe(1);
    });

    it("the leader page hangs: a follower's heartbeat notices, it takes the lock, nothing sent is lost", async () => {
      await fresh();
      const heartbeat = { interval: 300, timeout: 300 };
      const leader = await openTab(heartbeat);
      const follower = await openTab(heartbeat);
      for (const page of [leader, follower]) await untilOpen(page);
      expect(await Promise.all([leader, follower].map(roleOf))).toEqual(["leader", "follower"]);
      // a hung main thread (a frozen tab runs no task either): it answers nothing and keeps the lock
      const hungAt = Date.now();
      const hung = leader.evaluate(() => {
        for (const end = Date.now() + 3_000; Date.now() < end; );
      });
      const streamed = follower.evaluate(() => lifelineTab.stream("f0", 50, 10));
      await follower.waitForFunction(() => lifelineTab.role() === "leader", null, { timeout: WAIT_MS });
      const took = (await follower.evaluate(() => lifelineTab.tab.roles.find((r) => r.role === "leader")!.at)) - hungAt;
      process.stdout.write(`  takeover from a hung leader page (heartbeat 300 + 300 ms): ${took} ms\n`);
      // the heartbeat's interval and timeout (600 ms), a first retry's backoff (≤ 500 ms), one second unanswered: 2.1 s, plus slack for a loaded machine
      expect(took).toBeLessThan(4_000);
      await streamed;
      await follower.waitForFunction(() => lifelineTab.tab.client.pending.length === 0, null, { timeout: WAIT_MS });
      const got = fromTab(server, "f0");
      expect(new Set(got)).toEqual(new Set(range(50)));
      if (acknowledged) expect(got).toEqual(range(50));
      // back to life, the old leader learns it lost the lock and follows
      await hung;
      const robbed = leader.waitForFunction((since) => lifelineTab.tab.roles.some((r) => r.role === "follower" && r.at > since), hungAt, { timeout: WAIT_MS });
      await robbed.catch(async (error: unknown) => {
        const roles = await Promise.all([leader, follower].map((page) => page.evaluate(() => lifelineTab.tab.roles)));
        throw new Error(`the old leader never followed; roles since ${hungAt}: ${JSON.stringify(roles)}`, { cause: error });
      });
      // then one leader and one line, whoever holds the lock (on a loaded machine a pong can come late
      // and the tabs trade the lock again, each time by a steal both sides hear of)
      for (const page of [leader, follower]) await untilOpen(page);
      await server.waitForClients(1);
      expect(server.clients).toBe(1);
      const roles = await Promise.all([leader, follower].map(roleOf));
      process.stdout.write(`  after the hang: ${JSON.stringify(await Promise.all([leader, follower].map((page) => page.evaluate(() => lifelineTab.tab.roles.map((r) => r.role)))))}\n`);
      expect(roles.sort()).toEqual(["follower", "leader"]);
    });

    it.runIf(acknowledged)("topics: three tabs follow one topic; the leader page crashes mid-stream: every other tab gets each publication once, in order", async () => {
      await fresh();
      const pages = (await threeTabs()) as [Page, Page, Page];
      const [leader, ...followers] = pages;
      for (const page of pages) await page.evaluate(() => lifelineTab.follow("room"));
      for (const page of pages) await page.waitForFunction(() => lifelineTab.tab.subscribed === 1, null, { timeout: WAIT_MS });
      const count = 200;
      const topics = server.delivery!.server;
      const published = (async () => {
        for (let n = 1; n <= count; n++) {
          await topics.publish("room", { n });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await followers[0].waitForFunction(() => lifelineTab.tab.offsets.length >= 40, null, { timeout: WAIT_MS });
      await leader.close({ runBeforeUnload: false });
      await published;
      for (const page of followers) await page.waitForFunction((n) => lifelineTab.tab.offsets.length >= n, count, { timeout: WAIT_MS });
      // a publication more, after everything: one each, so nothing arrived twice meanwhile
      await topics.publish("room", { n: count + 1 });
      for (const page of followers) await page.waitForFunction((n) => lifelineTab.tab.offsets.includes(n), count + 1, { timeout: WAIT_MS });
      for (const [i, page] of followers.entries()) expect(await page.evaluate(() => lifelineTab.tab.offsets), `follower ${i}`).toEqual(range(count + 1));
      expect(server.clients).toBe(1);
    });

    for (const how of ["closes", "crashes"] as const) {
      // retry: the duplicate these cases once caught is fixed (a leader writes an assignment only once its post came
      // back, see translate.ts), but that echo makes a takeover slower on a loaded machine: 4 of 72 takeovers under
      // two busy loops plus other test runs took 1,006–1,340 ms. One retry for the timing; every assertion stays.
      it(`the leader page ${how} mid-stream: a follower leads within ${TAKEOVER_MS} ms and nothing sent is lost`, { retry: 1 }, async () => {
        await fresh();
        const [leader, ...followers] = (await threeTabs()) as [Page, Page, Page];
        const count = 200;
        const streams = followers.map((page, i) => page.evaluate(([id, n]) => lifelineTab.stream(id, n, 5), [`f${i}`, count] as const));
        // the leader streams too, until it goes
        void leader.evaluate(() => lifelineTab.stream("leader", 1_000, 5)).catch(() => {});
        await server.waitForMessages(60, WAIT_MS);
        const closedAt = Date.now();
        await leader.close({ runBeforeUnload: how === "closes" });
        await Promise.all(streams);

        const took = await Promise.all(followers.map((page) => page.evaluate(() => lifelineTab.tab.roles.find((r) => r.role === "leader")?.at)));
        const newLeader = took.filter((at): at is number => at !== undefined);
        expect(newLeader, "exactly one follower took over").toHaveLength(1);
        const takeover = newLeader[0]! - closedAt;
        process.stdout.write(`  takeover after the leader page ${how === "closes" ? "closed" : "crashed"}: ${takeover} ms\n`);
        expect(takeover).toBeLessThan(TAKEOVER_MS);

        // everything each follower sent arrives, in its order; a resend of what the dying leader had written may repeat
        for (let i = 0; i < followers.length; i++) {
          const id = `f${i}`;
          await followers[i]!.waitForFunction(() => lifelineTab.tab.client.pending.length === 0, null, { timeout: WAIT_MS });
          const got = fromTab(server, id);
          expect(new Set(got), `${id}: lost messages`).toEqual(new Set(range(count)));
          const duplicates = got.length - count;
          process.stdout.write(`  ${id}: ${count} sent, 0 lost, ${duplicates} duplicate(s) (${mode})\n`);
          if (acknowledged) expect(duplicates, `${id}: delivered twice`).toBe(0);
          // each tab's order holds, a resent tail aside
          const firsts = got.filter((n, at) => got.indexOf(n) === at);
          expect(firsts).toEqual(range(count));
        }
        // one line again (and with acknowledged delivery, still one session: resends were dropped by the server)
        expect(server.clients).toBe(1);
        if (server.delivery) {
          expect(new Set(server.delivery.delivered.map((m) => m.session)).size).toBe(1);
          process.stdout.write(`  resends the server dropped as duplicates: ${server.delivery.duplicates}\n`);
        }
      });
    }
  });
});
