import { once } from "node:events";
import { afterEach, describe, expect, test } from "vitest";
import { cleanup, connect, connectError, Peer, serve, settle, upgradeStatus } from "./helpers.js";

afterEach(cleanup);

describe("dropAll", () => {
  test("closes every client cleanly with the given code and reason", async () => {
    const server = await serve();
    const a = await connect(server.url);
    const b = await connect(server.url);
    await server.waitForClients(2);
    const codes: number[] = [];
    server.events.on("disconnect", ({ code }) => codes.push(code));

    server.dropAll(4001, "maintenance");
    expect(await a.closed).toEqual({ code: 4001, reason: "maintenance" });
    expect(await b.closed).toEqual({ code: 4001, reason: "maintenance" });
    await server.waitForClients(0);
    // The server's side completed the close handshake with the same code.
    await expect.poll(() => codes).toEqual([4001, 4001]);
    expect(server.clients).toBe(0);
  });

  test("defaults to 1000 with an empty reason, and refuses codes a server may not send", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    expect(() => server.dropAll(1006)).toThrow(RangeError);
    expect(() => server.dropAll(1000, "x".repeat(124))).toThrow(/at most 123 bytes/);
    server.dropAll();
    expect(await peer.closed).toEqual({ code: 1000, reason: "" });
  });
});

describe("terminateAll", () => {
  test("destroys the TCP socket: the client sees 1006, no close frame", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    await server.waitForClients(1);
    const disconnect = once(server.events, "disconnect");
    server.terminateAll();
    expect(await peer.closed).toEqual({ code: 1006, reason: "" });
    expect(await disconnect).toEqual([{ client: 1, code: 1006 }]);
  });
});

describe("freeze / thaw", () => {
  test("an existing connection stays up but silent; held data arrives after thaw", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    await server.waitForClients(1);

    server.freeze();
    expect(server.frozen).toBe(true);
    peer.send("while frozen");
    peer.send("ping");
    server.broadcast("sent while frozen");
    await peer.flushed();
    await settle(300);
    // Nothing read, nothing written, but the line is up.
    expect(server.received).toEqual([]);
    expect(server.pings).toBe(0);
    expect(peer.pending).toEqual([]);
    expect(peer.ws.readyState).toBe(peer.ws.OPEN);
    expect(server.clients).toBe(1);

    server.thaw();
    await server.waitForMessages(1);
    expect(server.texts()).toEqual(["while frozen"]);
    // Held outgoing frames first, then the answers to what was held incoming.
    expect(await peer.nextText()).toBe("sent while frozen");
    expect(await peer.nextText()).toBe("while frozen");
    expect(await peer.nextText()).toBe("pong");
    expect(server.pings).toBe(1);
  });

  test("nothing is read while frozen: the client's bytes back up until thaw", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    await server.waitForClients(1);
    server.freeze();
    // Far more than loopback TCP buffers hold when the reader never reads.
    const big = Buffer.alloc(32 * 1024 * 1024, 7);
    peer.send(big);
    await settle(300);
    expect(peer.ws.bufferedAmount).toBeGreaterThan(0);
    expect(server.received).toEqual([]);

    server.thaw();
    await peer.flushed();
    await server.waitForMessages(1);
    expect((server.received[0]?.data as Buffer).length).toBe(big.length);
    const echo = await peer.next(10_000);
    expect((echo.data as Buffer).equals(big)).toBe(true);
  });

  test("a new upgrade is held unanswered while frozen and completed at thaw", async () => {
    const server = await serve();
    server.freeze();
    const held = once(server.events, "held");
    const peer = new Peer(server.url);
    expect(await held).toEqual([{ pending: 1 }]);
    expect(server.state().held).toBe(1);
    expect(peer.ws.readyState).toBe(peer.ws.CONNECTING);
    expect(server.connections).toBe(0);

    server.thaw();
    await peer.opened;
    await server.waitForConnections(1);
    peer.send("late but here");
    expect(await peer.nextText()).toBe("late but here");
  });

  test("a held upgrade whose client gave up is not completed", async () => {
    const server = await serve();
    server.freeze();
    const peer = new Peer(server.url);
    await once(server.events, "held");
    const released = once(server.events, "held");
    peer.ws.terminate();
    expect(await released).toEqual([{ pending: 0 }]);

    server.thaw();
    const other = await connect(server.url);
    await server.waitForConnections(1);
    expect(server.connections).toBe(1);
    other.send("x");
    await server.waitForMessages(1);
    expect(server.received[0]?.client).toBe(1);
  });

  test("the server heartbeat neither pings nor drops anyone while frozen", async () => {
    const server = await serve({ heartbeat: { interval: 100, timeout: 300 } });
    const silent = await connect(server.url, { pings: "ignore" });
    await server.waitForClients(1);
    server.freeze();
    const pingsBefore = silent.pingsSeen;
    // Many intervals and timeouts long: unfrozen, this client would be gone.
    await settle(700);
    expect(silent.ws.readyState).toBe(silent.ws.OPEN);
    expect(silent.pingsSeen).toBe(pingsBefore);

    server.thaw();
    expect((await silent.closed).code).toBe(1006);
  });
});

describe("rejectNext", () => {
  test("refuses the next n upgrades with the status, then accepts again", async () => {
    const server = await serve();
    const statuses: number[] = [];
    server.events.on("rejected", ({ status }) => statuses.push(status));
    server.rejectNext(2, 429);

    expect(await upgradeStatus(server.url)).toBe(429);
    expect(await upgradeStatus(server.url)).toBe(429);
    const peer = await connect(server.url);
    peer.send("in");
    expect(await peer.nextText()).toBe("in");
    expect(server.rejected).toBe(2);
    expect(server.connections).toBe(1);
    expect(statuses).toEqual([429, 429]);
  });

  test("defaults to 503 and validates its arguments", async () => {
    const server = await serve();
    server.rejectNext(1);
    expect(await upgradeStatus(server.url)).toBe(503);
    expect(() => server.rejectNext(-1)).toThrow(/non-negative integer/);
    expect(() => server.rejectNext(1, 101)).toThrow(/200 to 599/);
  });
});

describe("restart", () => {
  test("goes down for the given time on the same port, then accepts again", async () => {
    const server = await serve();
    const port = server.port;
    const before = await connect(server.url);
    await server.waitForClients(1);

    const started = performance.now();
    const restarted = server.restart(500);
    // The listener closes synchronously: connecting now is refused.
    const error = await connectError(server.url);
    expect(error.code).toBe("ECONNREFUSED");
    expect((await before.closed).code).toBe(1006);

    await restarted;
    expect(performance.now() - started).toBeGreaterThanOrEqual(495);
    expect(server.port).toBe(port);
    const after = await connect(server.url);
    after.send("back");
    expect(await after.nextText()).toBe("back");
    expect(server.received.map((m) => m.client)).toEqual([2]);
  });

  test("emits down and up, and refuses overlapping restarts", async () => {
    const server = await serve();
    const down = once(server.events, "down");
    const up = once(server.events, "up");
    const restarted = server.restart(50);
    await expect(server.restart(50)).rejects.toThrow("a restart is already in progress");
    await down;
    expect(await up).toEqual([{ port: server.port }]);
    await restarted;
  });

  test("close() during the down time rejects the restart and leaves nothing listening", async () => {
    const server = await serve();
    const down = once(server.events, "down");
    const restarted = server.restart(60_000);
    await down;
    await server.close();
    await expect(restarted).rejects.toThrow("closed while down");
    expect((await connectError(server.url)).code).toBe("ECONNREFUSED");
  });
});

describe("delay", () => {
  test("delays every outgoing frame, keeping order", async () => {
    const server = await serve();
    const peer = await connect(server.url);

    let t = performance.now();
    peer.send("baseline");
    await peer.next();
    const baseline = performance.now() - t;

    server.delay(400);
    expect(server.delayMs).toBe(400);
    t = performance.now();
    peer.send("slow");
    await server.waitForMessages(2);
    // A frame sent with no delay must still wait behind the delayed one.
    server.delay(0);
    peer.send(Buffer.from([1]));
    const first = await peer.next();
    const elapsed = performance.now() - t;
    const second = await peer.next();

    expect(first).toEqual({ data: "slow", binary: false });
    expect(second.binary).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(395);
    expect(elapsed).toBeGreaterThan(baseline);
    expect(() => server.delay(-1)).toThrow(/non-negative number/);
  });

  test("applies to broadcast() and pongs too", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    await server.waitForClients(1);
    server.delay(300);
    const t = performance.now();
    server.broadcast("b");
    peer.send("ping");
    expect(await peer.nextText()).toBe("b");
    expect(await peer.nextText()).toBe("pong");
    expect(performance.now() - t).toBeGreaterThanOrEqual(295);
  });
});
