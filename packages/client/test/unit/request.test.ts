import { describe, expect, it, vi } from "vitest";
import { getEventListeners } from "node:events";
import { z } from "zod";
import { request } from "../../src/request/index.js";
import { expectNothingLeft, flushMicrotasks, setup } from "./helpers.js";

function openClient(options = {}) {
  const s = setup({ heartbeat: false, ...options });
  s.fake.last().open();
  return s;
}

/** The id the client put on the last frame it sent. */
function lastId(socket: { sent: ReadonlyArray<unknown> }): string {
  const frame = JSON.parse(String(socket.sent.at(-1))) as { id?: unknown };
  expect(typeof frame.id).toBe("string");
  return frame.id as string;
}

describe("request()", () => {
  it("sends the message with a fresh id and resolves with the message whose re matches", async () => {
    const { fake, client, log } = openClient();
    const reply = request(client, { type: "get", key: "a" });
    const frame = JSON.parse(String(fake.last().sent[0])) as Record<string, unknown>;
    expect(frame).toMatchObject({ type: "get", key: "a" });
    const id = lastId(fake.last());
    const other = request(client, { type: "get", key: "b" });
    expect(lastId(fake.last())).not.toBe(id);

    // a message with another re is an ordinary message
    fake.last().receive(JSON.stringify({ re: "someone-else", value: 0 }));
    fake.last().receive(JSON.stringify({ re: id, value: 1 }));
    await expect(reply).resolves.toEqual({ re: id, value: 1 });
    // the reply settles the request and is not emitted as a message
    expect(log.of("message")).toEqual([{ re: "someone-else", value: 0 }]);
    // a second reply with the same re is just a message now
    fake.last().receive(JSON.stringify({ re: id, value: 2 }));
    expect(log.of("message")).toHaveLength(2);
    client.close();
    await expect(other).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("gives concurrent requests distinct ids even with a deterministic random", async () => {
    // tests often inject a constant random for predictable jitter; ids must stay unique
    const { fake, client } = openClient({ random: () => 0 });
    const first = request(client, { q: 1 });
    const firstId = lastId(fake.last());
    const second = request(client, { q: 2 });
    const secondId = lastId(fake.last());
    expect(secondId).not.toBe(firstId);
    fake.last().receive(JSON.stringify({ re: secondId, a: 2 }));
    fake.last().receive(JSON.stringify({ re: firstId, a: 1 }));
    await expect(first).resolves.toMatchObject({ a: 1 });
    await expect(second).resolves.toMatchObject({ a: 2 });
    client.close();
  });

  it("does not change the caller's message object", () => {
    const { client } = openClient();
    const message = { type: "get" };
    void request(client, message).catch(() => {});
    expect(message).toEqual({ type: "get" });
    client.close();
  });

  it("queues while the line is down and still correlates the reply", async () => {
    const { fake, client } = setup({ heartbeat: false });
    const reply = request(client, { type: "later" });
    expect(fake.last().sent).toEqual([]);
    fake.last().open();
    fake.last().receive(JSON.stringify({ re: lastId(fake.last()), ok: true }));
    await expect(reply).resolves.toEqual({ re: expect.any(String), ok: true });
    client.close();
  });

  it("validates the reply with the incoming schema", async () => {
    const Reply = z.object({ re: z.string(), n: z.number() });
    const { fake, client } = openClient({ incoming: Reply });
    const reply = request(client, { type: "get" });
    fake.last().receive(JSON.stringify({ re: lastId(fake.last()), n: "not a number" }));
    await expect(reply).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
    client.close();
  });

  it("validates with its own reply schema when given one", async () => {
    const { fake, client } = openClient();
    const reply = request(client, { type: "sum" }, { schema: z.object({ re: z.string(), total: z.number().transform((n) => n * 2) }) });
    fake.last().receive(JSON.stringify({ re: lastId(fake.last()), total: 21 }));
    await expect(reply).resolves.toMatchObject({ total: 42 });
    client.close();
  });

  it("rejects with TIMEOUT after `timeout` ms on the client's clock", async () => {
    const s = openClient();
    const reply = request(s.client, { type: "slow" }, { timeout: 1_000 });
    let settled = false;
    reply.catch(() => (settled = true));
    s.clock.advance(999);
    await flushMicrotasks();
    expect(settled).toBe(false);
    s.clock.advance(1);
    await expect(reply).rejects.toMatchObject({ code: "TIMEOUT", name: "LifelineError" });
    // a late reply is an ordinary message
    s.fake.last().receive(JSON.stringify({ re: "x" }));
    s.client.close();
    expectNothingLeft(s);
  });

  it("defaults to a 10 s timeout", async () => {
    const { clock, client } = openClient();
    const reply = request(client, { type: "slow" });
    let settled = false;
    reply.catch(() => (settled = true));
    clock.advance(9_999);
    await flushMicrotasks();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(reply).rejects.toMatchObject({ code: "TIMEOUT" });
    client.close();
  });

  it("takes its timeout from the timeout option", async () => {
    const { clock, client } = openClient();
    const reply = request(client, { type: "slow" }, { timeout: 50 });
    clock.advance(50);
    await expect(reply).rejects.toMatchObject({ code: "TIMEOUT" });
    client.close();
  });

  it("rejects with ABORTED when its signal fires, and at once for an aborted signal", async () => {
    const s = openClient();
    const controller = new AbortController();
    const timers = s.clock.pending();
    const reply = request(s.client, { type: "get" }, { signal: controller.signal });
    controller.abort(new Error("user left"));
    await expect(reply).rejects.toMatchObject({ code: "ABORTED" });
    // its timer went with it
    expect(s.clock.pending()).toBe(timers);
    await expect(request(s.client, { type: "get" }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "ABORTED" });
    s.client.close();
  });

  it("takes its abort listener off the signal however it settles (reply, timeout, close, refused send)", async () => {
    const s = openClient({ outgoing: z.object({ type: z.string() }) });
    const signal = new AbortController().signal;
    const listeners = () => getEventListeners(signal, "abort").length;

    const replied = request(s.client, { type: "get" }, { signal });
    expect(listeners()).toBe(1);
    s.fake.last().receive(JSON.stringify({ re: lastId(s.fake.last()) }));
    await replied;
    expect(listeners()).toBe(0);

    const timedOut = request(s.client, { type: "get" }, { signal, timeout: 10 });
    s.clock.advance(10);
    await expect(timedOut).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(listeners()).toBe(0);

    await expect(request(s.client, { type: 1 }, { signal })).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
    expect(listeners()).toBe(0);

    const closed = request(s.client, { type: "get" }, { signal });
    s.client.close();
    await expect(closed).rejects.toMatchObject({ code: "CLOSED" });
    expect(listeners()).toBe(0);
  });

  it("rejects with CLOSED on close(), and at once on a closed client", async () => {
    const s = openClient();
    const reply = request(s.client, { type: "get" });
    s.client.close();
    await expect(reply).rejects.toMatchObject({ code: "CLOSED" });
    await expect(request(s.client, { type: "get" })).rejects.toMatchObject({ code: "CLOSED" });
    expectNothingLeft(s);
  });

  it("survives a reconnect and resolves from the new connection", async () => {
    const { clock, fake, client } = openClient({ backoff: { jitter: "none" } });
    const reply = request(client, { type: "get" });
    const id = lastId(fake.last());
    fake.last().serverClose(1012);
    clock.advance(500);
    fake.last().open();
    fake.last().receive(JSON.stringify({ re: id, ok: 1 }));
    await expect(reply).resolves.toEqual({ re: id, ok: 1 });
    client.close();
  });

  it("works with a client made by another copy of the package (dual ESM/CJS install, two bundles)", async () => {
    const { fake, client } = openClient();
    vi.resetModules();
    const other = await import("../../src/request/index.js");
    expect(other.request).not.toBe(request);
    const reply = other.request(client, { type: "get" });
    const id = lastId(fake.last());
    fake.last().receive(JSON.stringify({ re: id, ok: 1 }));
    await expect(reply).resolves.toEqual({ re: id, ok: 1 });
    client.close();
  });

  it("rejects a reply failing its schema when the client comes from another copy of the package", async () => {
    const { fake, client } = openClient({ incoming: z.object({ re: z.string(), n: z.number() }) });
    vi.resetModules();
    const other = await import("../../src/request/index.js");
    const reply = other.request(client, { type: "get" });
    fake.last().receive(JSON.stringify({ re: lastId(fake.last()), n: "not a number" }));
    await expect(reply).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
    client.close();
  });

  it("needs an object message to carry the id", async () => {
    const { client } = openClient();
    await expect(request(client, "text")).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
    await expect(request(client, [1, 2])).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
    client.close();
  });

  it("rejects INVALID_MESSAGE when the outgoing schema refuses the message", async () => {
    const s = openClient({ outgoing: z.object({ type: z.literal("ok") }) });
    const timers = s.clock.pending();
    await expect(request(s.client, { type: "no" })).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
    expect(s.fake.last().sent).toEqual([]);
    expect(s.clock.pending()).toBe(timers);
    s.client.close();
  });
});
