import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { cleanup, connect, next, serve, until } from "./helpers.js";
import { request } from "../../src/request/index.js";

afterEach(cleanup);

const Echo = z.object({ type: z.literal("echo"), n: z.number() });

describe("against a real server (Node 22's WebSocket)", () => {
  it("runs on the global WebSocket", () => {
    expect(typeof globalThis.WebSocket).toBe("function");
  });

  it("round-trips a message validated by a zod schema", async () => {
    const server = await serve();
    const client = connect({ url: server.url, incoming: Echo, outgoing: Echo });
    const reply = next(client, "message");
    // sent before the line is open: queued, then flushed
    expect(client.send({ type: "echo", n: 1 })).toBe("queued");
    await client.opened();
    expect(await reply).toEqual({ type: "echo", n: 1 });
    const second = next(client, "message");
    expect(client.send({ type: "echo", n: 2 })).toBe("sent");
    expect(await second).toEqual({ type: "echo", n: 2 });
    expect(server.texts()).toEqual(['{"type":"echo","n":1}', '{"type":"echo","n":2}']);
  });

  it("reports a frame the schema rejects as invalid and keeps the line", async () => {
    const server = await serve();
    const client = connect({ url: server.url, incoming: Echo });
    await client.opened();
    await server.waitForClients(1);
    const invalid = next(client, "invalid");
    server.broadcast('{"type":"echo","n":"one"}');
    const { data, error } = await invalid;
    expect(data).toBe('{"type":"echo","n":"one"}');
    expect(error.code).toBe("INVALID_MESSAGE");
    const valid = next(client, "message");
    server.broadcast('{"type":"echo","n":3}');
    expect(await valid).toEqual({ type: "echo", n: 3 });
    expect(client.state).toBe("open");
  });

  it("gets binary frames as ArrayBuffer from the real socket", async () => {
    const server = await serve();
    const decoded: unknown[] = [];
    const client = connect({
      url: server.url,
      codec: {
        encode: (m) => new Uint8Array(m as number[]),
        decode: (data) => {
          decoded.push(data);
          return data instanceof ArrayBuffer ? [...new Uint8Array(data)] : data;
        },
      },
    });
    await client.opened();
    const reply = next(client, "message");
    client.send([1, 2, 250]);
    expect(await reply).toEqual([1, 2, 250]);
    expect(decoded[0]).toBeInstanceOf(ArrayBuffer);
    expect(server.received[0]).toMatchObject({ binary: true });
  });

  it("pings the server, which answers pong: heartbeat { rtt } and latency, and pings are not recorded as messages", async () => {
    const server = await serve();
    const client = connect({ url: server.url, heartbeat: { interval: 100, timeout: 2_000 } });
    await client.opened();
    const beat = await next(client, "heartbeat");
    expect(beat.rtt).toBeGreaterThanOrEqual(0);
    expect(client.latency).toBe(beat.rtt);
    expect(server.pings).toBeGreaterThanOrEqual(1);
    expect(server.received).toEqual([]);
  });

  it("answers the server's own pings, so the server keeps the client", async () => {
    const server = await serve({ heartbeat: { interval: 100, timeout: 2_000 } });
    const client = connect({ url: server.url, heartbeat: { interval: 60_000, timeout: 10_000 } });
    const messages: unknown[] = [];
    client.on("message", (m) => messages.push(m));
    await client.opened();
    await until(() => server.pongs >= 5, "five pongs to the server's pings");
    // answered every time: never terminated, never reconnected
    expect(server.connections).toBe(1);
    expect(client.state).toBe("open");
    expect(messages).toEqual([]);
  });

  it("request() gets the reply correlated by re", async () => {
    const server = await serve({
      onMessage: ({ data, reply }) => {
        const { id, q } = JSON.parse(String(data)) as { id: string; q: number };
        reply(JSON.stringify({ type: "noise" }));
        reply(JSON.stringify({ re: id, answer: q * 2 }));
        return true;
      },
    });
    const client = connect({ url: server.url });
    const messages: unknown[] = [];
    client.on("message", (m) => messages.push(m));
    await expect(request(client, { q: 21 })).resolves.toMatchObject({ answer: 42 });
    expect(messages).toEqual([{ type: "noise" }]);
  });
});
