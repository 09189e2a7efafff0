import { once } from "node:events";
import { afterEach, describe, expect, test } from "vitest";
import type { TestServer } from "../src/index.js";
import { cleanup, connect, Peer, serve, upgradeStatus } from "./helpers.js";

afterEach(cleanup);

async function post(server: TestServer, fault: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${server.httpUrl}/control/${fault}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://elsewhere.test" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

describe("control endpoint", () => {
  test("GET /control/state reports the server state", async () => {
    const server = await serve({ mode: "broadcast" });
    const peer = await connect(server.url);
    peer.send("one");
    await server.waitForMessages(1);
    const res = await fetch(`${server.httpUrl}/control/state`);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({
      clients: 1,
      connections: 1,
      rejected: 0,
      frozen: false,
      mode: "broadcast",
      delay: 0,
      received: 1,
      held: 0,
    });
  });

  test("dropAll with code and reason", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    const res = await post(server, "dropAll", { code: 4002, reason: "from control" });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    expect(await peer.closed).toEqual({ code: 4002, reason: "from control" });
  });

  test("dropAll without a body closes with 1000", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    expect((await post(server, "dropAll")).status).toBe(200);
    expect((await peer.closed).code).toBe(1000);
  });

  test("terminateAll", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    expect((await post(server, "terminateAll")).status).toBe(200);
    expect((await peer.closed).code).toBe(1006);
  });

  test("freeze and thaw (HTTP keeps working while WebSockets are frozen)", async () => {
    const server = await serve();
    const peer = await connect(server.url);
    const frozen = await post(server, "freeze");
    expect(frozen.json.state.frozen).toBe(true);
    expect(server.frozen).toBe(true);

    peer.send("held");
    const held = once(server.events, "held");
    const late = new Peer(server.url);
    await held;
    expect(((await (await fetch(`${server.httpUrl}/control/state`)).json()) as { held: number }).held).toBe(1);

    const thawed = await post(server, "thaw");
    expect(thawed.json.state.frozen).toBe(false);
    await late.opened;
    expect(await peer.nextText()).toBe("held");
    expect(server.texts()).toEqual(["held"]);
  });

  test("rejectNext with n and status", async () => {
    const server = await serve();
    expect((await post(server, "rejectNext", { n: 1, status: 429 })).status).toBe(200);
    expect(await upgradeStatus(server.url)).toBe(429);
    await connect(server.url);
    expect(server.rejected).toBe(1);
  });

  test("restart answers first, then goes down and comes back on the same port", async () => {
    const server = await serve();
    const port = server.port;
    const peer = await connect(server.url);
    const down = once(server.events, "down");
    const up = once(server.events, "up");

    const res = await post(server, "restart", { downForMs: 200 });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    await down;
    expect((await peer.closed).code).toBe(1006);
    expect(await up).toEqual([{ port }]);
    const again = await connect(server.url);
    again.send("back");
    expect(await again.nextText()).toBe("back");
  });

  test("delay, broadcast, mode and reset", async () => {
    const server = await serve();
    const peer = await connect(server.url);

    expect((await post(server, "delay", { ms: 250 })).json.state.delay).toBe(250);
    expect(server.delayMs).toBe(250);
    expect((await post(server, "delay", { ms: 0 })).json.state.delay).toBe(0);

    await post(server, "broadcast", { data: "from control" });
    expect(await peer.nextText()).toBe("from control");

    expect((await post(server, "mode", { mode: "broadcast" })).json.state.mode).toBe("broadcast");
    expect(server.mode).toBe("broadcast");

    peer.send("x");
    await server.waitForMessages(1);
    expect((await post(server, "reset")).json.state.received).toBe(0);
    expect(server.received).toEqual([]);
  });

  test("publish: a topic's subscribers get it (acknowledged-delivery mode); without that mode 409, a bad topic 400", async () => {
    const server = await serve({ delivery: "at-least-once" });
    const peer = await connect(server.url);
    peer.send(JSON.stringify({ t: "hello", session: "p1", ack: 0 }));
    peer.send(JSON.stringify({ t: "sub", topic: "news" }));
    const nextOf = async (t: string) => {
      for (;;) {
        const frame = JSON.parse(await peer.nextText()) as { t: string };
        if (frame.t === t) return frame;
      }
    };
    expect(await nextOf("subscribed")).toMatchObject({ t: "subscribed", topic: "news" });
    expect((await post(server, "publish", { topic: "news", data: { n: 1 } })).status).toBe(200);
    expect(await nextOf("pub")).toMatchObject({ t: "pub", topic: "news", offset: 1, data: { n: 1 } });
    expect((await post(server, "publish", { topic: "" })).status).toBe(400);
    expect((await post(server, "publish", { topic: 5 })).status).toBe(400);

    const plain = await serve();
    expect((await post(plain, "publish", { topic: "news" })).status).toBe(409);
  });

  test("unknown fault → 404, wrong method → 405, bad bodies → 400", async () => {
    const server = await serve();
    const unknown = await post(server, "explode");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/unknown control "explode"/);
    expect(unknown.headers.get("access-control-allow-origin")).toBe("*");

    expect((await fetch(`${server.httpUrl}/control/freeze`)).status).toBe(405);
    expect((await post(server, "state")).status).toBe(405);

    const bad = [
      ["rejectNext", "{not json"],
      ["rejectNext", "[1]"],
      ["rejectNext", {}],
      ["rejectNext", { n: "two" }],
      ["rejectNext", { n: 1, status: 101 }],
      ["restart", {}],
      ["delay", { ms: -1 }],
      ["dropAll", { code: 1005 }],
      ["dropAll", { code: 4000, reason: 7 }],
      ["mode", { mode: "chaos" }],
      ["broadcast", { data: 1 }],
      ["freeze", { forever: true }],
    ] as const;
    for (const [fault, body] of bad) {
      const res = await post(server, fault, body);
      expect(res.status, `${fault} ${JSON.stringify(body)}`).toBe(400);
      expect(typeof res.json.error).toBe("string");
    }
    // None of the refused calls changed anything.
    expect(server.state()).toMatchObject({ frozen: false, delay: 0, mode: "echo", clients: 0 });
    expect(await connect(server.url)).toBeInstanceOf(Peer);
  });

  test("CORS preflight is answered so another origin can drive the server", async () => {
    const server = await serve();
    const res = await fetch(`${server.httpUrl}/control/freeze`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(server.frozen).toBe(false);

    const ok = await post(server, "freeze");
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
  });
});
