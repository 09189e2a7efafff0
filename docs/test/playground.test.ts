// The playground in real headless Chromium (Debian's, never a downloaded one)
// against the test server: freeze → the heartbeat declares the line dead,
// thaw → open again; restart → what was sent meanwhile arrives in order;
// the acknowledged-delivery switch → messages are acknowledged by the server.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServer, type TestServer } from "@lifeline/test-server";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countColor, decodePng, distinctColors } from "./png.js";

const CHROMIUM = CHROMIUM_PATH;
const docsDir = fileURLToPath(new URL("..", import.meta.url));
const artifacts = path.join(docsDir, ".artifacts");
const clientPackage = createRequire(import.meta.url).resolve("@lifeline/client/package.json");
const clientDist = path.join(path.dirname(clientPackage), "dist");

const found = existsSync(CHROMIUM);
const onCI = process.env.CI === "true";
if (!found && !onCI) process.stdout.write(`\nSKIPPED: chromium not found (${CHROMIUM}); the playground e2e test did not run\n\n`);

/** Text of an element, read in the page. */
function text(page: Page, selector: string): Promise<string> {
  return page.locator(selector).innerText();
}

/** Waits until the element's text matches, in the page, without polling from here. */
async function waitForText(page: Page, selector: string, expected: string | RegExp, timeout = 20_000): Promise<void> {
  const source = expected instanceof RegExp ? { re: expected.source, flags: expected.flags } : { exact: expected };
  await page.waitForFunction(
    ({ selector, source }) => {
      const value = document.querySelector(selector)?.textContent ?? "";
      return "exact" in source ? value === source.exact : new RegExp(source.re, source.flags).test(value);
    },
    { selector, source },
    { timeout, polling: 50 },
  );
}

describe.skipIf(!found && !onCI)("playground in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!found) throw new Error(`chromium not found at ${CHROMIUM}, and CI=true: the playground e2e test must run on CI`);
    server = await startServer({
      port: 0,
      heartbeat: false,
      // as `npm start` runs it: plain frames are echoed, protocol v2 envelopes go to @lifeline/server
      delivery: "at-least-once",
      static: { "/": path.join(docsDir, "playground"), "/lib/": clientDist, "/mitt/": path.join(docsDir, "../node_modules/mitt/dist") },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${server.httpUrl}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("connects to the test server and shows heartbeat round trips", async () => {
    await waitForText(page, "#state", "open");
    expect(await text(page, "#url")).toBe(server.url);
    // faster heartbeat through the settings form: the client is recreated
    await page.fill("#hb-interval", "800");
    await page.fill("#hb-timeout", "1000");
    await page.click("#apply-settings");
    await server.waitForConnections(2, 20_000);
    await waitForText(page, "#state", "open");
    await waitForText(page, "#latency", /^\d+ ms$/);
    // a dot on the round-trip chart for the pong
    await page.locator("#rtt-chart circle").first().waitFor({ timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  });

  it("freeze: the heartbeat declares the line dead; thaw: open again", async () => {
    const before = server.connections;
    await page.click("#fault-freeze");
    await expect.poll(() => server.frozen, { timeout: 10_000 }).toBe(true);
    // nothing else can notice a half-open line: only the heartbeat timeout
    await waitForText(page, "#last-close", /heartbeat timeout/);
    await waitForText(page, "#state", "reconnecting");
    expect(await page.locator("#log li.dead").count()).toBeGreaterThan(0);
    expect(await page.locator("#attempts tr:not(.empty)").count()).toBeGreaterThan(0);

    await page.click("#fault-thaw");
    await expect.poll(() => server.frozen, { timeout: 10_000 }).toBe(false);
    await waitForText(page, "#state", "open", 30_000);
    expect(server.connections).toBeGreaterThan(before);
    // the timeline shows the reconnecting band and the red tick of the heartbeat timeout
    await page.locator('#timeline rect[data-state="reconnecting"]').first().waitFor({ state: "attached", timeout: 10_000 });
    await page.locator("#timeline line.tick.dead").first().waitFor({ state: "attached", timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  });

  it("restart: messages queued during the downtime are flushed in order", async () => {
    const down = new Promise<void>((resolve) => server.events.once("down", () => resolve()));
    const up = new Promise<void>((resolve) => server.events.once("up", () => resolve()));
    let isUp = false;
    void up.then(() => (isUp = true));
    const lastClientBefore = Math.max(0, ...server.received.map((m) => m.client));
    const receivedBefore = server.received.length;

    // long enough for five sends through the UI on a busy machine
    await page.fill("#restart-ms", "6000");
    await page.click("#fault-restart");
    await down;
    await waitForText(page, "#state", "reconnecting");
    const sent = ["queued-1", "queued-2", "queued-3", "queued-4", "queued-5"];
    for (const message of sent) {
      await page.fill("#message-input", message);
      await page.click("#send");
    }
    // the UI counted them as queued (the server cannot have them: it is down)
    expect(isUp).toBe(false);
    await waitForText(page, "#queue-depth", "5");
    expect(await page.locator("#log li.queued").count()).toBeGreaterThanOrEqual(sent.length);

    await up;
    await waitForText(page, "#state", "open", 30_000);
    await server.waitForMessages(receivedBefore + sent.length, 20_000);
    const after = server.received.slice(receivedBefore).map((m) => ({ client: m.client, body: JSON.parse(String(m.data)) }));
    const queued = after.filter((m) => typeof m.body.text === "string" && m.body.text.startsWith("queued-"));
    expect(queued.map((m) => m.body.text)).toEqual(sent);
    // all on one new connection, numbered in the order they were sent
    expect(new Set(queued.map((m) => m.client)).size).toBe(1);
    expect(queued[0]!.client).toBeGreaterThan(lastClientBefore);
    const numbers = queued.map((m) => m.body.n as number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    await waitForText(page, "#queue-depth", "0");
    expect(pageErrors).toEqual([]);
  });

  it("renders a non-blank page (screenshot saved as docs/.artifacts/playground.png)", async () => {
    // the server panel has caught up, and one more pong came after the restart,
    // so the picture shows the line alive again
    await waitForText(page, "#server-state", /up · 1 client · [1-9]\d* received/);
    const dots = await page.locator("#rtt-chart circle").count();
    await page.waitForFunction((dots) => document.querySelectorAll("#rtt-chart circle").length > dots, dots, { timeout: 20_000 });
    const png = await page.screenshot({ fullPage: true });
    await mkdir(artifacts, { recursive: true });
    await writeFile(path.join(artifacts, "playground.png"), png);
    const image = decodePng(png);
    expect(image.width).toBeGreaterThanOrEqual(1366);
    // text, bands and charts: a blank or failed page has a handful of colours
    expect(distinctColors(image)).toBeGreaterThan(200);
    // the timeline's open (green) and reconnecting (orange) bands are on screen
    expect(countColor(image, [0x2f, 0x9e, 0x62], 6)).toBeGreaterThan(500);
    expect(countColor(image, [0xe0, 0x71, 0x3a], 6)).toBeGreaterThan(100);
  });

  it("acknowledged switch: a message sent with atLeastOnce() is handled by the server, acknowledged and echoed with a seq", async () => {
    const connectionsBefore = server.connections;
    await page.check("#acknowledged");
    // the switch makes a new client at once, speaking protocol v2
    await server.waitForConnections(connectionsBefore + 1, 20_000);
    await waitForText(page, "#state", "open", 30_000);
    await page.fill("#message-input", "acknowledged-1");
    await page.click("#send");
    // the server's application got it once (through @lifeline/server), the client heard `delivered`,
    // and the echo came back as the session's first numbered server message
    await expect.poll(() => server.delivery!.delivered.map((m) => (m.data as { text: string }).text), { timeout: 20_000 }).toEqual(["acknowledged-1"]);
    await page.locator("#log li.delivered").first().waitFor({ timeout: 20_000 });
    await waitForText(page, "#acked", "1");
    await waitForText(page, "#server-seq", "1");
    expect(await page.locator("#log li.in").last().innerText()).toContain('"text":"acknowledged-1"');
    expect(pageErrors).toEqual([]);
  });

  it("topic panel: subscribed, each publication shown once with its offset, what was published during a dropped line recovered", async () => {
    // the panel's own client (acknowledged delivery, not shared across tabs)
    await page.click("#topic-subscribe");
    await waitForText(page, "#topic-status", "subscribed");
    await page.click("#topic-publish");
    await waitForText(page, "#topic-offset", "1");
    server.terminateAll();
    for (let n = 0; n < 3; n++) await server.delivery!.server.publish("playground:news", { n: `while away ${n}` });
    await waitForText(page, "#topic-offset", "4", 30_000);
    await waitForText(page, "#topic-status", "subscribed (recovered)");
    const items = await page.locator("#topic-log li").allInnerTexts();
    expect(items.map((item) => item.split(" ")[0])).toEqual(["#4", "#3", "#2", "#1"]);
    await page.click("#topic-subscribe"); // unsubscribe
    await waitForText(page, "#topic-status", "not subscribed");
    expect(pageErrors).toEqual([]);
  });

  // retry: in one busy fresh-clone CI run on 7 December the server counted a second connection while the
  // two tabs were leader and follower (never standalone). Likely cause, found by reading, not reproduced: the
  // topic test's terminateAll() drops the main page's line too, and its client comes back after a jittered
  // backoff, which could land in the middle of this count; the count now starts once it is back. Kept until
  // a busy run confirms it.
  it("two tabs share one connection: one leads, one follows; closing the leader hands the line over", { retry: 1 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      // the main page's own line (its context shares nothing with this one) is back, and nothing else is open
      await waitForText(page, "#state", "open", 30_000);
      await expect.poll(() => server.clients, { timeout: 20_000 }).toBe(1);
      const before = server.clients;
      const first = await context.newPage();
      const second = await context.newPage();
      for (const tab of [first, second]) tab.on("pageerror", (error) => pageErrors.push(error.message));
      await first.goto(`${server.httpUrl}/`);
      await waitForText(first, "#role", "leader");
      await waitForText(first, "#state", "open");
      await second.goto(`${server.httpUrl}/`);
      await waitForText(second, "#role", "follower");
      await waitForText(second, "#state", "open");
      // two tabs, one more connection at the server
      expect(server.clients).toBe(before + 1);
      await first.close();
      await waitForText(second, "#role", "leader", 5_000);
      await waitForText(second, "#state", "open");
      await waitForText(second, "#log", /handover: the leader tab went away/);
      expect(server.clients).toBe(before + 1);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
