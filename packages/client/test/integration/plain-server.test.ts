// A plain `ws` server that knows nothing of lifeline: it never answers the
// text "ping", and it echoes. The heartbeat must cost at most one reconnect
// and then say so once (HEARTBEAT_UNANSWERED), keeping the healthy line;
// a refused port must be heard (CONNECT_FAILED, then GAVE_UP).
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { createClient } from "../../src/index.js";
import type { Client, LifelineError } from "../../src/index.js";
import { next } from "./helpers.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

async function plainServer() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const received: string[] = [];
  let connections = 0;
  wss.on("connection", (ws) => {
    connections++;
    ws.on("message", (data) => {
      received.push(String(data));
      if (String(data) !== "ping") ws.send(String(data));
    });
  });
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => resolve());
  }));
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/`, received, connections: () => connections };
}

function keep<C extends Client<any, any>>(client: C): C {
  cleanups.push(() => client.close());
  return client;
}

describe("a plain ws server that never answers ping", () => {
  it("costs one reconnect, then one HEARTBEAT_UNANSWERED; the line stays up and echoes", async () => {
    const server = await plainServer();
    const client = keep(createClient({ url: server.url, heartbeat: { interval: 150, timeout: 150 }, backoff: { initial: 20, jitter: "none" } }));
    const errors: LifelineError[] = [];
    client.on("error", (e) => errors.push(e));
    const closes: string[] = [];
    client.on("close", (e) => closes.push(e.reason));
    const unanswered = await next(client, "error", (e) => e.code === "HEARTBEAT_UNANSWERED");
    expect(unanswered.message).toContain("ping");
    expect(closes).toEqual(["heartbeat timeout"]);
    expect(server.connections()).toBe(2);
    // well past several intervals: no more pings, no more reconnects, the line still echoes
    const pings = server.received.filter((d) => d === "ping").length;
    client.send({ n: 1 });
    expect(await next(client, "message")).toEqual({ n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(server.received.filter((d) => d === "ping").length).toBe(pings);
    expect(server.connections()).toBe(2);
    expect(client.state).toBe("open");
    expect(errors.map((e) => e.code)).toEqual(["HEARTBEAT_UNANSWERED"]);
  });
});

describe("a refused port", () => {
  it("is heard: CONNECT_FAILED per attempt (after createClient returned), then opened() rejects GAVE_UP", async () => {
    // a port nobody listens on: take one, then free it
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const client = keep(createClient({ url: `ws://user:secret@127.0.0.1:${port}/ws?token=abc`, maxRetries: 1, backoff: { initial: 10, jitter: "none" }, heartbeat: false }));
    const errors: LifelineError[] = [];
    client.on("error", (e) => errors.push(e));
    const states: string[] = [];
    client.on("state", (e) => states.push(e.to));
    await expect(client.opened()).rejects.toMatchObject({ code: "GAVE_UP", message: expect.stringContaining("2 attempts") });
    expect(errors.map((e) => e.code)).toEqual(["CONNECT_FAILED", "CONNECT_FAILED"]);
    expect(errors[0]!.message).toContain(`127.0.0.1:${port}`);
    expect(errors.map((e) => e.message).join(" ")).not.toMatch(/secret|abc/);
    expect(states).toEqual(["connecting", "reconnecting", "closed"]);
  });
});
