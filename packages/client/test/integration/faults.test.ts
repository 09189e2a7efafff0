import { afterEach, describe, expect, it } from "vitest";
import type { CloseEvent } from "../../src/index.js";
import { cleanup, connect, connected, next, receivedJson, serve, until } from "./helpers.js";

afterEach(cleanup);

describe("faults from a real server", () => {
  it("dropAll: the client reconnects and flushes what was queued meanwhile, in order", async () => {
    const { server, client } = await connected();
    const closed = next(client, "close");
    const reopened = next(client, "open");
    server.dropAll(1012, "service restart");
    expect(await closed).toEqual({ code: 1012, reason: "service restart", wasClean: true, willReconnect: true });
    // the continuation runs before any timer, so the client is still waiting out its backoff
    expect(client.state).toBe("reconnecting");
    for (let n = 1; n <= 20; n++) expect(client.send({ n })).toBe("queued");
    await reopened;
    expect(client.send({ n: 21 })).toBe("sent");
    await server.waitForMessages(21);
    const received = receivedJson(server);
    expect(received.map((r) => r.data)).toEqual(Array.from({ length: 21 }, (_, i) => ({ n: i + 1 })));
    // all of it on the second connection
    expect(new Set(received.map((r) => r.client))).toEqual(new Set([2]));
    expect(client.pending).toEqual([]);
  });

  it("terminateAll: no close frame, the client sees 1006 and reconnects", async () => {
    const { server, client } = await connected();
    const closed = next(client, "close");
    const reopened = next(client, "open");
    server.terminateAll();
    expect(await closed).toMatchObject({ code: 1006, wasClean: false, willReconnect: true });
    expect(await reopened).toEqual({ attempt: 2 });
    await server.waitForClients(1);
    expect(server.connections).toBe(2);
  });

  it("freeze: the heartbeat finds the half-open line within interval + timeout, and the client reconnects once thawed", async () => {
    const interval = 300;
    const timeout = 300;
    const { server, client } = await connected({ heartbeat: { interval, timeout } });
    const dead = next(client, "close");
    const frozenAt = performance.now();
    server.freeze();
    const info = await dead;
    const detectedAfter = performance.now() - frozenAt;
    expect(info).toEqual({ code: 1006, reason: "heartbeat timeout", wasClean: false, willReconnect: true });
    // generous slack: a loaded 2-core machine can run timers late
    expect(detectedAfter).toBeLessThan(interval + timeout + 5_000);
    process.stdout.write(`[figure] half-open line detected ${Math.round(detectedAfter)} ms after freeze (interval ${interval}, timeout ${timeout})\n`);
    // the client did not wait for the frozen socket's close: it is already retrying
    expect(client.state).toBe("reconnecting");
    const reopened = next(client, "open");
    server.thaw();
    await reopened;
    expect(client.state).toBe("open");
    // the new connection works end to end
    const echo = next(client, "message");
    client.send({ after: "thaw" });
    expect(await echo).toEqual({ after: "thaw" });
  });

  it("rejectNext(3, 503): Node's error-only failures are retried and the client opens after the 3 rejections", async () => {
    const server = await serve();
    server.rejectNext(3, 503);
    const closes: CloseEvent[] = [];
    const client = connect({ url: server.url, autoConnect: false });
    client.on("close", (e) => closes.push(e));
    const reconnecting: number[] = [];
    client.on("reconnecting", ({ attempt }) => reconnecting.push(attempt));
    const errors: string[] = [];
    client.on("error", (e) => errors.push(`${e.code} ${/attempt \d+/.exec(e.message)?.[0]}`));
    const opened = next(client, "open");
    client.connect();
    expect(await opened).toEqual({ attempt: 4 });
    // each refused upgrade is heard, with its attempt
    expect(errors).toEqual(["CONNECT_FAILED attempt 1", "CONNECT_FAILED attempt 2", "CONNECT_FAILED attempt 3"]);
    expect(server.rejected).toBe(3);
    expect(server.connections).toBe(1);
    expect(reconnecting).toEqual([1, 2, 3]);
    expect(closes).toEqual(Array.from({ length: 3 }, () => ({ code: 1006, reason: "", wasClean: false, willReconnect: true })));
  });

  it("rejectNext with maxRetries: gives up with willReconnect false and opened() rejects GAVE_UP", async () => {
    const server = await serve();
    server.rejectNext(10, 403);
    const client = connect({ url: server.url, maxRetries: 2 });
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    await expect(client.opened()).rejects.toMatchObject({ code: "GAVE_UP", message: expect.stringContaining("3 attempts") });
    expect(errors).toEqual(["CONNECT_FAILED", "CONNECT_FAILED", "CONNECT_FAILED"]);
    expect(client.state).toBe("closed");
    expect(server.rejected).toBe(3);
  });

  it("restart(downForMs) on the same port: the client rides out the refused attempts, reconnects and flushes", async () => {
    const server = await serve();
    const port = server.port;
    const client = connect({ url: server.url });
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    await client.opened();
    await server.waitForClients(1);
    const closed = next(client, "close");
    const reopened = next(client, "open", () => true, 15_000);
    const restarted = server.restart(400);
    await closed;
    for (let n = 1; n <= 5; n++) client.send({ n });
    await restarted;
    expect(server.port).toBe(port);
    const { attempt } = await reopened;
    expect(attempt).toBeGreaterThanOrEqual(2);
    await server.waitForMessages(5);
    expect(receivedJson(server).map((r) => r.data)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
    // the refused attempts while it was down, and nothing else
    expect(new Set(errors)).toEqual(new Set(errors.length ? ["CONNECT_FAILED"] : []));
  });

  it("connectTimeout against a frozen server: the held attempt is abandoned and retried, and opens once thawed", async () => {
    const server = await serve();
    server.freeze();
    const client = connect({ url: server.url, connectTimeout: 500 });
    const timedOut = next(client, "error");
    const first = await next(client, "close");
    expect(await timedOut).toMatchObject({ code: "CONNECT_TIMEOUT", message: expect.stringContaining("attempt 1") });
    expect(first).toEqual({ code: 1006, reason: "connect timeout", wasClean: false, willReconnect: true });
    expect(client.state).toBe("reconnecting");
    const opened = next(client, "open");
    server.thaw();
    expect((await opened).attempt).toBeGreaterThanOrEqual(2);
    // the abandoned attempts did not turn into extra connections that stay
    await until(() => server.clients === 1, "exactly one client on the server");
    expect(client.state).toBe("open");
  });

  it("reconnect() on a live line swaps the connection; the server sees the old one leave", async () => {
    const { server, client } = await connected();
    const left = new Promise<{ client: number; code: number }>((resolve) => server.events.once("disconnect", resolve));
    const reopened = next(client, "open");
    client.reconnect();
    await reopened;
    expect(await left).toMatchObject({ client: 1 });
    await server.waitForConnections(2);
    await until(() => server.clients === 1, "only the new connection left");
  });
});
