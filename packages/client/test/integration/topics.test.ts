// subscribe() against a real @lifeline/server (the test server in
// acknowledged-delivery mode, on loopback): publications once and in order
// through a terminated line and a restart, recovery from the history, gap
// when the history was trimmed, FORBIDDEN from canSubscribe.
import { startServer } from "@lifeline/test-server";
import type { ServerOptions, TestServer } from "@lifeline/test-server";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient } from "../../src/index.js";
import type { Client } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { subscribe } from "../../src/topics/index.js";
import type { Subscription } from "../../src/topics/index.js";

const fast = { backoff: { initial: 10, max: 50 }, heartbeat: { interval: 200, timeout: 200 }, connectTimeout: 1_000 } as const;

let server: TestServer | undefined;
const clients: Client<any, any>[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

async function setup(options: ServerOptions = {}) {
  server = await startServer({ delivery: "at-least-once", ...options });
  const client = createClient({ url: server.url, delivery: atLeastOnce(), ...fast });
  clients.push(client);
  return { server, client, publish: (topic: string, data: unknown) => server!.delivery!.server.publish(topic, data) };
}

/** Resolves once `handle` emitted `type` (passing `filter`); bounded. */
function once<T>(handle: Subscription<T>, type: "subscribed" | "gap" | "error", ms = 5_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    const off = handle.on(type, ((event: unknown) => {
      clearTimeout(timer);
      off();
      resolve(event);
    }) as never);
  });
}

/** Polls (bounded) until `check` holds. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const Chat = z.object({ n: z.number() });

describe("topics against @lifeline/server", () => {
  it("every publication once and in order, across a terminated line and a restart of the server", async () => {
    const { server, client, publish } = await setup();
    const room = subscribe(client, "room", { schema: Chat });
    const got: Array<[number, number]> = [];
    const subscribed: boolean[] = [];
    const gaps: unknown[] = [];
    room.on("message", (msg, { offset }) => got.push([msg.n, offset]));
    room.on("subscribed", ({ recovered }) => subscribed.push(recovered));
    room.on("gap", (e) => gaps.push(e));
    await once(room, "subscribed");
    for (let n = 1; n <= 300; n++) {
      await publish("room", { n });
      if (n === 100) server.terminateAll();
      if (n === 200) void server.restart(50);
    }
    await until(() => got.length >= 300, "300 publications");
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => [i + 1, i + 1]));
    expect(gaps).toEqual([]);
    expect(subscribed[0]).toBe(false);
    expect(subscribed.slice(1).every(Boolean)).toBe(true);
    expect(subscribed.length).toBeGreaterThanOrEqual(2);
  });

  it("gap when the line was down for longer than the history reaches, then live", async () => {
    const { server, client, publish } = await setup({ topics: { topics: { history: { max: 5 } } } });
    const room = subscribe(client, "t");
    const events: unknown[] = [];
    room.on("message", (_, { offset }) => events.push(offset));
    room.on("gap", ({ reason }) => events.push(reason));
    await once(room, "subscribed");
    await publish("t", 1);
    await until(() => events.length === 1, "the first");
    server.freeze();
    client.reconnect();
    for (let n = 2; n <= 20; n++) await publish("t", n);
    server.thaw();
    await once(room, "subscribed");
    await publish("t", 21);
    await until(() => events.includes(21), "the one after the gap");
    expect(events).toEqual([1, "trimmed", 21]);
  });

  it("FORBIDDEN from canSubscribe reaches the handle's error event; the line stays up and others go on", async () => {
    const { client, publish } = await setup({ topics: { canSubscribe: ({ topic }) => topic !== "admin" } });
    const admin = subscribe(client, "admin");
    const room = subscribe(client, "room");
    const [error] = await Promise.all([once(admin, "error"), once(room, "subscribed")]);
    expect(error).toMatchObject({ name: "LifelineError", code: "FORBIDDEN" });
    const got: unknown[] = [];
    room.on("message", (data) => got.push(data));
    await publish("room", "hi");
    await until(() => got.length === 1, "the room's publication");
    expect(client.state).toBe("open");
  });

  it("two handles on one topic: each gets every publication; unsubscribe stops one", async () => {
    const { client, publish } = await setup();
    const a = subscribe(client, "t");
    const b = subscribe(client, "t");
    const got: string[] = [];
    a.on("message", (d) => got.push(`a${String(d)}`));
    b.on("message", (d) => got.push(`b${String(d)}`));
    await Promise.all([once(a, "subscribed"), once(b, "subscribed")]);
    await publish("t", 1);
    await until(() => got.length === 2, "both");
    a.unsubscribe();
    await publish("t", 2);
    await until(() => got.length === 3, "b alone");
    expect(got).toEqual(["a1", "b1", "b2"]);
  });
});
