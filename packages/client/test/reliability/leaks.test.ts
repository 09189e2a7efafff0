// Leaks: memory over 10,000 connect/close cycles and over 200,000 messages
// through one client, listeners left on sockets and on window/document, and
// whether a closed client lets Node exit.
import * as path from "node:path";
import { startServer } from "@lifeline/test-server";
import type { TestServer } from "@lifeline/test-server";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createClient } from "../../src/index.js";
import type { Client, ClientOptions } from "../../src/index.js";
import { OPEN, createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { FIXTURES, distEntry, report, runNode } from "./helpers.js";

const CYCLES = 10_000;
/**
 * Retaining each closed client costs ~2.3 KB a cycle (~20 MB over the run);
 * a clean run measures a few B to a few tens of B a cycle. 512 B leaves room both ways.
 */
const MAX_GROWTH_PER_CYCLE = 512;
/**
 * One open client over ~200,000 messages: a clean run grows well under 0.2 B
 * a message after GC (the received messages and their events are all let
 * go); keeping each message's event or payload costs ~50 B a message.
 */
const MAX_GROWTH_PER_MESSAGE = 1;
/** How long a closed client's process may take to exit by itself (generous: the machine is shared). */
const EXIT_WITHIN_MS = 10_000;

let server: TestServer | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  await server?.close();
  server = undefined;
});

beforeAll(() => {
  // the child processes run the built package
  distEntry();
});

describe("memory", () => {
  it(`stays flat over ${CYCLES.toLocaleString("en")} connect/close cycles against a real server`, { timeout: 120_000 }, async () => {
    server = await startServer();
    const child = runNode(path.join(FIXTURES, "cycles.mjs"), [server.url, String(CYCLES), "50", "1000"], { execArgv: ["--expose-gc"] });
    const result = await child.exit(100_000);
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    const figures = JSON.parse(child.lines.at(-1)!) as {
      growth: number;
      perCycle: number;
      before: number;
      after: number;
      ms: number;
      timers: number;
      opened: number;
      closedWhileConnecting: number;
      notClosed: number;
      errors: number;
    };
    report(
      `leaks: ${CYCLES} cycles in ${figures.ms} ms, heap after GC ${(figures.before / 1e6).toFixed(1)} MB → ${(figures.after / 1e6).toFixed(1)} MB ` +
        `(${figures.growth >= 0 ? "+" : ""}${(figures.growth / 1e3).toFixed(0)} KB, ${figures.perCycle.toFixed(1)} B/cycle), timers left ${figures.timers}`,
    );
    // the cycles really connected: half opened and were closed, half were closed while connecting
    expect(figures.opened).toBe(CYCLES / 2);
    expect(figures.closedWhileConnecting).toBe(CYCLES / 2);
    expect(figures.notClosed).toBe(0);
    expect(figures.errors).toBe(0);
    expect(server.connections).toBeGreaterThanOrEqual(CYCLES / 2);
    expect(figures.perCycle).toBeLessThan(MAX_GROWTH_PER_CYCLE);
    // no timer of any client is left behind
    expect(figures.timers).toBe(0);
  });

  it("stays flat over 200,000 messages sent and received by one long-lived client", { timeout: 60_000 }, async () => {
    // 110 rounds of 2,000 sent and 2,000 received on the open line plus 10 queued across a reconnect; the first 10 warm up
    const child = runNode(path.join(FIXTURES, "messages.mjs"), ["110", "2000", "10"], { execArgv: ["--expose-gc"] });
    const result = await child.exit(50_000);
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    const figures = JSON.parse(child.lines.at(-1)!) as { messages: number; received: number; opened: number; state: string; pending: number; before: number; after: number; perMessage: number };
    report(`leaks: ${figures.messages} messages through one client, heap after GC ${(figures.before / 1e6).toFixed(2)} MB → ${(figures.after / 1e6).toFixed(2)} MB (${figures.perMessage.toFixed(3)} B/message)`);
    // every message reached its handler, every queued one went out on the next line, the client closed
    expect(figures.received).toBe(110 * 2_000);
    expect(figures.opened).toBe(111);
    expect(figures.pending).toBe(0);
    expect(figures.state).toBe("closed");
    expect(figures.perMessage).toBeLessThan(MAX_GROWTH_PER_MESSAGE);
  });
});

describe("listeners after close", () => {
  function setup(options: Partial<ClientOptions> = {}, closeCompletes = true) {
    const clock = createFakeClock();
    const fake = createFakeWebSocket({ closeCompletes });
    const client = createClient<any, any>({
      url: "ws://lifeline.test/ws",
      WebSocket: fake.WebSocket,
      clock,
      backoff: { initial: 100, max: 100, jitter: "none" },
      heartbeat: { interval: 1_000, timeout: 1_000 },
      ...options,
    });
    // failed attempts report CONNECT_FAILED; these tests look at listeners and timers, not at errors
    client.on("error", () => {});
    return { clock, fake, client };
  }

  function expectNothingLeft({ clock, fake }: ReturnType<typeof setup>) {
    expect(clock.pending()).toBe(0);
    expect(fake.live()).toHaveLength(0);
    for (const socket of fake.sockets) expect(socket.listenerCount()).toBe(0);
  }

  /** Ways to leave a client before closing it: each must end with no listener anywhere. */
  const situations: Array<[string, (s: ReturnType<typeof setup>) => void, boolean?]> = [
    ["connecting", () => {}],
    ["open", ({ fake }) => fake.last().open()],
    ["open with messages and a queue", ({ fake, client }) => {
      client.send({ a: 1 });
      fake.last().open();
      fake.last().receive('{"x":1}');
      client.send({ a: 2 });
    }],
    ["waiting to reconnect after a failure", ({ fake }) => fake.last().fail()],
    ["reconnecting, its socket opening", ({ fake, clock }) => {
      fake.last().fail();
      clock.advance(100);
    }],
    ["after a heartbeat timeout on a half-open line", ({ fake, clock }) => {
      fake.last().open();
      // ping at 1 000 ms, no answer by 2 000 ms: the line is declared dead, the retry waits 100 ms
      clock.advance(2_050);
      expect(fake.sockets.length).toBe(1);
    }, false],
    ["open on a half-open line", ({ fake }) => fake.last().open(), false],
    ["given up after maxRetries", ({ fake, clock }) => {
      for (let i = 0; i < 3; i++) {
        fake.last().fail();
        clock.advance(100);
      }
    }],
  ];

  for (const [name, arrange, closeCompletes = true] of situations) {
    it(`none on any socket, and no timer, after close() when ${name}`, () => {
      const s = setup({ maxRetries: 2 }, closeCompletes);
      arrange(s);
      s.client.close();
      expectNothingLeft(s);
    });
  }

  it("none on 1,000 sockets a client went through", () => {
    const s = setup();
    for (let i = 0; i < 1_000; i++) {
      s.fake.last().open();
      if (i % 2) s.fake.last().serverClose(1001);
      else s.fake.last().fail();
      s.clock.advance(100);
    }
    expect(s.fake.sockets.length).toBe(1_001);
    // only the current socket is listened to
    expect(s.fake.sockets.filter((socket) => socket.listenerCount() > 0)).toEqual([s.fake.last()]);
    s.client.close();
    expectNothingLeft(s);
  });

  /** A browser-like window and document that count listeners. */
  function stubBrowser() {
    const counts = { window: new Map<string, Set<() => void>>(), document: new Map<string, Set<() => void>>() };
    const target = (map: Map<string, Set<() => void>>) => ({
      addEventListener: (type: string, fn: () => void) => void (map.get(type) ?? map.set(type, new Set()).get(type)!).add(fn),
      removeEventListener: (type: string, fn: () => void) => void map.get(type)?.delete(fn),
      dispatch: (type: string) => [...(map.get(type) ?? [])].forEach((fn) => fn()),
    });
    const win = target(counts.window);
    const doc = { ...target(counts.document), visibilityState: "visible" };
    vi.stubGlobal("addEventListener", win.addEventListener);
    vi.stubGlobal("removeEventListener", win.removeEventListener);
    vi.stubGlobal("document", doc);
    vi.stubGlobal("navigator", { onLine: true });
    const total = (map: Map<string, Set<() => void>>) => [...map.values()].reduce((n, set) => n + set.size, 0);
    return { win, doc, windowListeners: () => total(counts.window), documentListeners: () => total(counts.document) };
  }

  it("none on window or document after close(), from every state, over many clients", () => {
    const browser = stubBrowser();
    const clients: Array<ReturnType<typeof setup>> = [];
    for (const [, arrange, closeCompletes = true] of situations) {
      for (let i = 0; i < 20; i++) {
        const s = setup({ maxRetries: 2 }, closeCompletes);
        arrange(s);
        clients.push(s);
      }
    }
    // the hooks are real: live clients listen for `online` and visibility
    const live = clients.filter((s) => s.client.state !== "closed").length;
    expect(browser.windowListeners()).toBe(live);
    expect(browser.documentListeners()).toBe(live);
    for (const s of clients) s.client.close();
    expect(browser.windowListeners()).toBe(0);
    expect(browser.documentListeners()).toBe(0);
    // an `online` after close wakes nobody
    const sockets = clients.map((s) => s.fake.sockets.length);
    browser.win.dispatch("online");
    browser.doc.dispatch("visibilitychange");
    expect(clients.map((s) => s.fake.sockets.length)).toEqual(sockets);
    for (const s of clients) expectNothingLeft(s);
  });

  it("none after connect() and close() repeated, nor after `using` disposal", () => {
    const browser = stubBrowser();
    const s = setup();
    for (let i = 0; i < 500; i++) {
      s.client.close();
      s.client.connect();
      if (i % 2) s.fake.last().open();
    }
    expect(browser.windowListeners()).toBe(1);
    s.client.close();
    expect(browser.windowListeners()).toBe(0);
    expect(browser.documentListeners()).toBe(0);
    expectNothingLeft(s);

    const t = setup();
    {
      using client: Client = t.client;
      t.fake.last().open();
      expect(client.state).toBe("open");
    }
    expect(t.client.state).toBe("closed");
    expect(browser.windowListeners()).toBe(0);
    expectNothingLeft(t);
  });

  it("the socket of an open client keeps its close and message listeners until close()", () => {
    // the counterpart of the checks above: listeners are counted where the client puts them
    const s = setup();
    s.fake.last().open();
    expect(s.fake.last().readyState).toBe(OPEN);
    // open, close, error, message while connecting; `open` and `error` are dropped once open (each listener costs ~200 B in Node)
    expect(s.fake.last().listenerCount()).toBe(2);
    s.client.close();
    expect(s.fake.last().listenerCount()).toBe(0);
  });
});

describe("a closed client lets the Node process exit by itself", () => {
  const EXIT = path.join(FIXTURES, "exit.mjs");

  async function closeAndExpectExit(child: ReturnType<typeof runNode>, what: string) {
    child.write("close\n");
    await child.line((l) => l.startsWith("closed"), 10_000);
    const result = await child.exit(EXIT_WITHIN_MS);
    expect(result.timedOut, `${what}: the process did not exit within ${EXIT_WITHIN_MS} ms of close()\n${result.stdout}`).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    expect(child.lines).toContain("closed closed");
    return result;
  }

  it("when it was open", { timeout: 30_000 }, async () => {
    server = await startServer();
    const child = runNode(EXIT, [server.url]);
    await child.line((l) => l === "open", 10_000);
    await closeAndExpectExit(child, "open");
  });

  it("when it was closed while its line was frozen (half-open)", { timeout: 30_000 }, async () => {
    server = await startServer();
    const child = runNode(EXIT, [server.url]);
    await child.line((l) => l === "open", 10_000);
    server.freeze();
    await closeAndExpectExit(child, "half-open");
  });

  it("when the heartbeat had given up on a frozen line and it was reconnecting", { timeout: 30_000 }, async () => {
    server = await startServer();
    const child = runNode(EXIT, [server.url]);
    await child.line((l) => l === "open", 10_000);
    server.freeze();
    await child.line((l) => l.startsWith("close ") && l.includes("heartbeat timeout"), 10_000);
    await closeAndExpectExit(child, "after a heartbeat timeout");
  });

  it("when it was closed while its upgrade was held unanswered", { timeout: 30_000 }, async () => {
    server = await startServer();
    server.freeze();
    const held = new Promise<void>((resolve) => server!.events.once("held", () => resolve()));
    const child = runNode(EXIT, [server.url]);
    await held;
    await closeAndExpectExit(child, "held upgrade");
  });

  it("when it was closed while reconnecting to a server that refuses", { timeout: 30_000 }, async () => {
    server = await startServer();
    const child = runNode(EXIT, [server.url]);
    await child.line((l) => l === "open", 10_000);
    server.rejectNext(1_000, 503);
    server.terminateAll();
    await child.line((l) => l === "reconnecting", 10_000);
    await closeAndExpectExit(child, "reconnecting");
  });

  it("but a client left open keeps it running (the check above can fail)", { timeout: 30_000 }, async () => {
    server = await startServer();
    const child = runNode(EXIT, [server.url]);
    await child.line((l) => l === "open", 10_000);
    child.write("release\n");
    await child.line((l) => l === "released", 10_000);
    // proving an absence: there is no event for "did not exit", so allow a bounded moment
    const result = await child.exit(1_500);
    expect(result.timedOut).toBe(true);
  });
});
