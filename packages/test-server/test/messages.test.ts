import { once } from "node:events";
import { afterEach, describe, expect, test } from "vitest";
import { startServer, type ReceivedMessage } from "../src/index.js";
import { cleanup, connect, serve } from "./helpers.js";

afterEach(cleanup);

describe("echo mode (the default)", () => {
  test("replies to the sender with the same text", async () => {
    const server = await serve();
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/ws`);
    expect(server.httpUrl).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const peer = await connect(server.url);

    peer.send("hello");
    expect(await peer.next()).toEqual({ data: "hello", binary: false });
    expect(server.received).toEqual([{ client: 1, data: "hello", binary: false, at: expect.any(Number) }]);
    expect(server.texts()).toEqual(["hello"]);
  });

  test("replies to binary with binary, byte for byte", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);

    peer.send(bytes);
    const frame = await peer.next();
    expect(frame.binary).toBe(true);
    expect(Buffer.compare(frame.data as Buffer, bytes)).toBe(0);
    expect(server.received[0]?.binary).toBe(true);
    expect(Buffer.isBuffer(server.received[0]?.data)).toBe(true);
    expect(server.texts()).toEqual([]);
  });

  test("accepts upgrades on any path", async () => {
    const server = await serve();
    const peer = await connect(`ws://127.0.0.1:${server.port}/some/other/path?x=1`);
    peer.send("anywhere");
    expect(await peer.nextText()).toBe("anywhere");
  });

  test("echo goes to the sender only", async () => {
    const server = await serve();
    const a = await connect(server.url);
    const b = await connect(server.url);
    a.send("for a");
    expect(await a.nextText()).toBe("for a");
    // If b had been sent "for a", it would come before the marker.
    server.broadcast("marker");
    expect(await b.nextText()).toBe("marker");
  });
});

describe("broadcast", () => {
  test("broadcast mode sends each frame to every client, the sender included", async () => {
    const server = await serve({ mode: "broadcast" });
    const peers = [await connect(server.url), await connect(server.url), await connect(server.url)];
    await server.waitForClients(3);

    peers[1]!.send("hi all");
    for (const peer of peers) expect(await peer.next()).toEqual({ data: "hi all", binary: false });

    peers[2]!.send(Buffer.from([7, 8]));
    for (const peer of peers) {
      const frame = await peer.next();
      expect(frame.binary).toBe(true);
      expect([...(frame.data as Buffer)]).toEqual([7, 8]);
    }
    expect(server.received.map((m) => m.client)).toEqual([2, 3]);
  });

  test("setMode switches between echo and broadcast at run time", async () => {
    const server = await serve();
    const a = await connect(server.url);
    const b = await connect(server.url);

    server.setMode("broadcast");
    expect(server.mode).toBe("broadcast");
    a.send("room");
    expect(await b.nextText()).toBe("room");
    expect(await a.nextText()).toBe("room");

    server.setMode("echo");
    a.send("just me");
    expect(await a.nextText()).toBe("just me");
    server.broadcast("marker");
    expect(await b.nextText()).toBe("marker");
    expect(() => server.setMode("chaos" as never)).toThrow(/mode must be "echo" or "broadcast"/);
  });

  test("broadcast() sends strings as text and bytes as binary to every open client", async () => {
    const server = await serve();
    const a = await connect(server.url);
    const b = await connect(server.url);
    await server.waitForClients(2);

    server.broadcast("news");
    // A view into a larger buffer: only the viewed bytes must go out.
    server.broadcast(new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4));
    server.broadcast(Buffer.from("raw"));
    for (const peer of [a, b]) {
      expect(await peer.next()).toEqual({ data: "news", binary: false });
      const view = await peer.next();
      expect(view.binary).toBe(true);
      expect([...(view.data as Buffer)]).toEqual([1, 2, 3]);
      const raw = await peer.next();
      expect(raw.binary).toBe(true);
      expect((raw.data as Buffer).toString()).toBe("raw");
    }
    // Server-sent frames are not "received".
    expect(server.received).toEqual([]);
  });
});

describe("heartbeat frames", () => {
  test('answers "ping" with "pong" and records neither', async () => {
    const server = await serve();
    const peer = await connect(server.url);

    peer.send("ping");
    expect(await peer.next()).toEqual({ data: "pong", binary: false });
    peer.send("pong");
    peer.send("after");
    // The "pong" got no reply, so the next frame is the echo of "after".
    expect(await peer.nextText()).toBe("after");

    expect(server.pings).toBe(1);
    expect(server.pongs).toBe(1);
    expect(server.texts()).toEqual(["after"]);
    expect(server.received).toHaveLength(1);
  });

  test('a binary frame that spells "ping" is user data, not a heartbeat', async () => {
    const server = await serve();
    const peer = await connect(server.url);
    peer.send(Buffer.from("ping"));
    const frame = await peer.next();
    expect(frame.binary).toBe(true);
    expect(server.pings).toBe(0);
    expect(server.received).toHaveLength(1);
  });
});

describe("the record", () => {
  test("keeps arrival order and connection ids (1, 2, 3… in order of acceptance)", async () => {
    const server = await serve();
    const seen: number[] = [];
    server.events.on("connection", ({ client }) => seen.push(client));
    const a = await connect(server.url);
    await server.waitForConnections(1);
    const b = await connect(server.url);
    await server.waitForConnections(2);
    const c = await connect(server.url);
    await server.waitForConnections(3);
    expect(seen).toEqual([1, 2, 3]);

    const events: ReceivedMessage[] = [];
    server.events.on("message", (m) => events.push(m));
    for (const [peer, text] of [[a, "a1"], [b, "b1"], [c, "c1"], [a, "a2"], [b, "b2"]] as const) {
      peer.send(text);
      expect(await peer.nextText()).toBe(text);
    }
    await server.waitForMessages(5);
    expect(server.received.map((m) => [m.client, m.data])).toEqual([
      [1, "a1"],
      [2, "b1"],
      [3, "c1"],
      [1, "a2"],
      [2, "b2"],
    ]);
    expect(events).toEqual(server.received);
    const times = server.received.map((m) => m.at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  test("reset() clears the record and counters; ids keep counting", async () => {
    const server = await serve();
    const a = await connect(server.url);
    a.send("ping");
    await a.next();
    a.send("x");
    await a.next();
    expect(server.connections).toBe(1);

    server.reset();
    expect(server.received).toEqual([]);
    expect(server.connections).toBe(0);
    expect(server.pings).toBe(0);
    expect(server.clients).toBe(1); // open connections are not a counter

    const b = await connect(server.url);
    b.send("y");
    await server.waitForMessages(1);
    expect(server.received[0]?.client).toBe(2);
    expect(server.connections).toBe(1);
  });

  test("disconnect events carry the client id and close code", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    await server.waitForClients(1);
    const gone = once(server.events, "disconnect");
    peer.ws.close(4321, "bye");
    expect(await gone).toEqual([{ client: 1, code: 4321 }]);
    expect(server.clients).toBe(0);
  });
});

describe("onMessage hook", () => {
  test("returning true replaces the default echo", async () => {
    const server = await serve({
      onMessage: ({ client, data, binary, reply }) => {
        reply(`ack ${client} ${binary ? "bin" : String(data)}`);
        return true;
      },
    });
    const peer = await connect(server.url);
    peer.send("m1");
    expect(await peer.nextText()).toBe("ack 1 m1");
    peer.send(Buffer.from([1]));
    expect(await peer.nextText()).toBe("ack 1 bin");
    // The frame is still recorded even though the hook handled it.
    expect(server.received).toHaveLength(2);
  });

  test("returning nothing keeps the default echo after the hook", async () => {
    const server = await serve({
      onMessage: ({ reply }) => {
        reply(new Uint8Array([42]));
      },
    });
    const peer = await connect(server.url);
    peer.send("m");
    const first = await peer.next();
    expect(first.binary).toBe(true);
    expect([...(first.data as Buffer)]).toEqual([42]);
    expect(await peer.nextText()).toBe("m");
  });

  test("a hook that throws closes that client with 1011 and reports it", async () => {
    const server = await serve({
      onMessage: () => {
        throw new Error("boom");
      },
    });
    const peer = await connect(server.url);
    const reported = once(server.events, "hookError");
    peer.send("x");
    expect((await peer.closed).code).toBe(1011);
    const [{ client, error }] = await reported;
    expect(client).toBe(1);
    expect((error as Error).message).toBe("boom");
  });
});

describe("waiting helpers", () => {
  test("resolve on the event, and reject with a clear message on timeout", async () => {
    const server = await serve();
    const waiting = server.waitForClients(2, 5000);
    await connect(server.url);
    await connect(server.url);
    await waiting;
    expect(server.clients).toBe(2);

    await expect(server.waitForClients(3, 50)).rejects.toThrow("waitForClients(3) timed out after 50 ms (clients = 2)");
    await expect(server.waitForConnections(9, 50)).rejects.toThrow(
      "waitForConnections(9) timed out after 50 ms (connections = 2)",
    );
    await expect(server.waitForMessages(1, 50)).rejects.toThrow("waitForMessages(1) timed out after 50 ms (received = 0)");
    await expect(server.waitForMessages(-1)).rejects.toThrow(/non-negative integer/);
  });

  test("a pending wait is rejected when the server closes", async () => {
    const server = await startServer();
    const waiting = server.waitForMessages(1, 60_000);
    await server.close();
    await expect(waiting).rejects.toThrow("waitForMessages(1): the server closed while waiting (received = 0)");
  });
});

describe("options are validated eagerly", () => {
  test.each([
    [{ port: -1 }, /port must be an integer from 0 to 65535, got -1/],
    [{ port: 1.5 }, /port must be an integer/],
    [{ mode: "chat" }, /mode must be "echo" or "broadcast", got "chat"/],
    [{ heartbeat: -5 }, /heartbeat must be a positive number of ms, got -5/],
    [{ heartbeat: { interval: 100, timeout: 0 } }, /heartbeat.timeout must be a positive number/],
    [{ static: { lib: "." } }, /static prefix must start with "\/", got "lib"/],
    [{ static: { "/": "/definitely/not/here" } }, /is not a directory: \/definitely\/not\/here/],
    [{ tls: { cert: 1, key: "k" } }, /tls must be \{ cert, key \}/],
  ])("%j", async (options, message) => {
    await expect(startServer(options as never)).rejects.toThrow(message);
  });
});
