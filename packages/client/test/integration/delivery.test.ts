import { startServer } from "@lifeline/test-server";
import type { TestServer } from "@lifeline/test-server";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient } from "../../src/index.js";
import type { Client } from "../../src/index.js";
import { request } from "../../src/request/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";

const fast = { backoff: { initial: 10, max: 50 }, heartbeat: { interval: 200, timeout: 200 }, connectTimeout: 1_000 } as const;

/** Resolves when `predicate` holds, re-checked on every event of the client; bounded. */
function until(client: Client<any, any>, predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const done = (error?: Error) => {
      clearTimeout(timer);
      for (const off of offs) off();
      error ? reject(error) : resolve();
    };
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), ms);
    const check = () => predicate() && done();
    for (const type of ["state", "delivered", "message", "open", "close"] as const) offs.push(client.on(type, check));
    check();
  });
}

let server: TestServer | undefined;
let client: Client<any, any> | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

describe('delivery "at-least-once" against the test server', () => {

  it("delivers every message exactly once and in order across terminations and drops", async () => {
    server = await startServer({ delivery: "at-least-once" });
    client = createClient({ url: server.url, delivery: atLeastOnce(), ...fast });
    await client.opened();
    const total = 300;
    for (let n = 1; n <= total; n++) {
      client.send({ n });
      // break the line in the middle of the stream, with messages in flight
      if (n === 100) server.terminateAll();
      if (n === 200) server.dropAll(1012, "restarting");
    }
    const c = client;
    await until(c, () => c.state === "open" && c.pending.length === 0, "every message acknowledged");
    const received = server!.delivery!.delivered.map((m) => (m.data as { n: number }).n);
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(server!.delivery!.delivered.map((m) => m.session)).size).toBe(1);
  });

  it("survives a restart of the server with messages sent while it is down", async () => {
    server = await startServer({ delivery: "at-least-once" });
    client = createClient({ url: server.url, delivery: atLeastOnce(), ...fast });
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    await client.opened();
    client.send({ n: 1 });
    const restarted = server.restart(300);
    await until(client, () => client!.state === "reconnecting", "the client to notice");
    client.send({ n: 2 });
    client.send({ n: 3 });
    await restarted;
    const c = client;
    await until(c, () => c.state === "open" && c.pending.length === 0, "the queue to drain");
    expect(server!.delivery!.delivered.map((m) => (m.data as { n: number }).n)).toEqual([1, 2, 3]);
    // refused attempts while it was down are reported, nothing else
    expect(errors.filter((code) => code !== "CONNECT_FAILED")).toEqual([]);
  });
});

describe("request()", () => {

  it("resolves with the reply correlated by re (at-most-once: the server echoes id back as re)", async () => {
    server = await startServer({
      onMessage: ({ data, reply }) => {
        const msg = JSON.parse(String(data)) as { id: string; q: number };
        reply(JSON.stringify({ type: "answer", re: msg.id, a: msg.q * 2 }));
        return true;
      },
    });
    client = createClient({ url: server.url, ...fast });
    const Answer = z.object({ type: z.literal("answer"), re: z.string(), a: z.number() });
    const reply = await request(client, { q: 21 }, { schema: Answer });
    expect(reply.a).toBe(42);
  });

  it("resolves in envelope mode", async () => {
    server = await startServer({ delivery: "at-least-once" });
    client = createClient({ url: server.url, delivery: atLeastOnce(), ...fast });
    await expect(request(client, { q: "echo me" })).resolves.toEqual({ q: "echo me" });
  });

  it("rejects with TIMEOUT when no reply comes, ABORTED on abort and CLOSED on close", async () => {
    server = await startServer({ onMessage: () => true }); // swallow everything
    client = createClient({ url: server.url, ...fast });
    await client.opened();
    await expect(request(client, { q: 1 }, { timeout: 50 })).rejects.toMatchObject({ code: "TIMEOUT" });
    const controller = new AbortController();
    const aborted = request(client, { q: 2 }, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: "ABORTED" });
    const closed = request(client, { q: 3 });
    client.close();
    await expect(closed).rejects.toMatchObject({ code: "CLOSED" });
  });
});
