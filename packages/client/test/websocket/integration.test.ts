// LifelineWebSocket on Node 22's global WebSocket against a real test server
// on 127.0.0.1, port 0: faults the fake socket cannot show (refused upgrades,
// a restart, a dropped TCP connection, held upgrades).
import { startServer } from "@lifeline/test-server";
import type { ServerOptions, TestServer } from "@lifeline/test-server";
import { afterEach, describe, expect, it } from "vitest";
import { LifelineWebSocket } from "../../src/websocket/index.js";
import type { LifelineWebSocketOptions, ProtocolsProvider, UrlProvider } from "../../src/websocket/index.js";
import { record } from "./helpers.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

async function serve(options: ServerOptions = {}): Promise<TestServer> {
  const server = await startServer({ port: 0, ...options });
  cleanups.push(() => server.close());
  return server;
}

const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: "none", heartbeat: false } as const satisfies LifelineWebSocketOptions;

function open(url: UrlProvider, protocols?: ProtocolsProvider, options: LifelineWebSocketOptions = {}) {
  const ws = new LifelineWebSocket(url, protocols, { ...FAST, ...options });
  cleanups.push(() => ws.close());
  return { ws, log: record(ws) };
}

/** The next `type` event on `ws` passing `filter`, or a rejection after `ms`. */
function next(ws: LifelineWebSocket, type: "open" | "close" | "error" | "message", filter: (event: any) => boolean = () => true, ms = 5_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.removeEventListener(type, listener);
      reject(new Error(`no "${type}" event within ${ms} ms`));
    }, ms);
    const listener = (event: Event) => {
      if (!filter(event)) return;
      clearTimeout(timer);
      ws.removeEventListener(type, listener);
      resolve(event);
    };
    ws.addEventListener(type, listener);
  });
}

describe("LifelineWebSocket against the test server", () => {
  it("negotiates the first protocol; url and protocols functions are called per attempt", async () => {
    const server = await serve();
    const calls: string[] = [];
    const { ws } = open(
      async () => {
        calls.push("url");
        return `${server.url}?attempt=${calls.length}`;
      },
      () => {
        calls.push("protocols");
        return ["chat.v2", "chat.v1"];
      },
    );
    await next(ws, "open");
    expect(ws.protocol).toBe("chat.v2");
    expect(ws.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\?attempt=1$/);
    server.dropAll(1012);
    await next(ws, "open");
    expect(calls).toEqual(["url", "protocols", "url", "protocols"]);
    expect(ws.url).toMatch(/\?attempt=3$/);
  });

  it("refused upgrades: one error and one close 1006 per failed attempt, each with its retryCount, then open", async () => {
    const server = await serve();
    server.rejectNext(2, 503);
    const { ws, log } = open(server.url);
    const counts: number[] = [];
    ws.addEventListener("error", () => counts.push(ws.retryCount));
    await next(ws, "open");
    expect(counts).toEqual([0, 1]);
    expect(log.types()).toEqual(["error", "close", "error", "close", "open"]);
    expect(log.of("close").map((c) => [c.code, c.wasClean])).toEqual([
      [1006, false],
      [1006, false],
    ]);
    expect(ws.retryCount).toBe(0); // 0 while open
  });

  it("a restart: queued sends go out once each, in order, before newer ones", async () => {
    const server = await serve();
    const { ws } = open(server.url);
    await next(ws, "open");
    const closed = next(ws, "close");
    const restarting = server.restart(300);
    await closed;
    expect([ws.send("q1"), ws.send("q2"), ws.send("q3")]).toEqual([false, false, false]);
    expect(ws.bufferedAmount).toBe(6);
    await restarting;
    await next(ws, "open", () => true, 10_000);
    ws.send("after");
    await server.waitForMessages(4);
    expect(server.texts()).toEqual(["q1", "q2", "q3", "after"]);
    expect(ws.bufferedAmount).toBe(0);
  });

  it("a dropped TCP connection (no close frame) is a close 1006 without error, then a reconnect", async () => {
    const server = await serve();
    const { ws, log } = open(server.url);
    await next(ws, "open");
    server.terminateAll();
    await next(ws, "open");
    expect(log.types()).toEqual(["open", "close", "open"]);
    expect(log.of("close")[0]).toMatchObject({ code: 1006, wasClean: false });
  });

  it("the heartbeat finds a half-open line (freeze) and reconnects once the server thaws", async () => {
    const server = await serve();
    const { ws, log } = open(server.url, undefined, { heartbeat: { interval: 200, timeout: 200 }, connectionTimeout: 500 });
    await next(ws, "open");
    server.freeze();
    const close = await next(ws, "close", () => true, 3_000);
    expect([close.code, close.reason, close.wasClean]).toEqual([1006, "heartbeat timeout", false]);
    expect(log.of("error")).toEqual([]); // the line was open: no error, only the close
    server.thaw();
    await next(ws, "open", () => true, 5_000);
    expect(ws.readyState).toBe(LifelineWebSocket.OPEN);
  });

  it("connectionTimeout: an upgrade held unanswered fails the attempt (error, close 1006)", async () => {
    const server = await serve();
    server.freeze();
    const { ws, log } = open(server.url, undefined, { connectionTimeout: 300 });
    const close = await next(ws, "close");
    expect(close).toMatchObject({ code: 1006, reason: "connect timeout", wasClean: false });
    expect(log.types()).toEqual(["error", "close"]);
    server.thaw();
    await next(ws, "open");
  });

  it("close() during CONNECTING: error then close 1006, and the server never keeps a client", async () => {
    const server = await serve();
    server.freeze(); // the upgrade is held, so the socket stays CONNECTING
    const { ws, log } = open(server.url);
    await new Promise<void>((resolve) => server.events.once("held", () => resolve()));
    ws.close();
    expect(log.all).toEqual([
      { type: "error", readyState: 3, error: undefined },
      { type: "close", readyState: 3, code: 1006, reason: "", wasClean: false },
    ]);
    // the aborted upgrade really went away: the server sees its client give up
    await new Promise<void>((resolve) => {
      const onHeld = ({ pending }: { pending: number }) => pending === 0 && (server.events.off("held", onHeld), resolve());
      server.events.on("held", onHeld);
    });
    expect(server.connections).toBe(0);
  });

  it("maxRetries: gives up when the server refuses, reconnect() starts again once it accepts", async () => {
    const server = await serve();
    // the dropped connection lived less than minUptime, so it counts: one retry is left, and it fails
    const { ws, log } = open(server.url, undefined, { maxRetries: 2 });
    await next(ws, "open");
    server.rejectNext(10, 503);
    server.dropAll(1012);
    await next(ws, "close", () => log.of("close").length === 3);
    expect(server.rejected).toBe(2);
    expect(log.types()).toEqual(["open", "close", "error", "close", "error", "close"]);
    expect(ws.readyState).toBe(LifelineWebSocket.CLOSED);
    server.rejectNext(0);
    ws.reconnect();
    expect(ws.readyState).toBe(LifelineWebSocket.CONNECTING);
    await next(ws, "open");
    expect(ws.retryCount).toBe(0);
  });
});
