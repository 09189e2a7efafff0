import { describe, expect, it, vi } from "vitest";
import { isLifelineError, LifelineError } from "../../src/index.js";
import type { LifelineErrorCode } from "../../src/index.js";
import { expectNothingLeft, failAttempts, flushMicrotasks, setup } from "./helpers.js";

function openClient(options = {}) {
  const s = setup({ heartbeat: false, backoff: { jitter: "none" }, ...options });
  s.fake.last().open();
  return s;
}

describe("on / off", () => {
  it("on() returns an unsubscribe function", () => {
    const { fake, client } = openClient();
    const seen: unknown[] = [];
    const stop = client.on("message", (m) => seen.push(m));
    fake.last().receive("1");
    stop();
    fake.last().receive("2");
    expect(seen).toEqual([1]);
    // calling it again is harmless
    stop();
    client.close();
  });

  it("off() removes a handler", () => {
    const { fake, client } = openClient();
    const seen: unknown[] = [];
    const handler = (m: unknown) => seen.push(m);
    client.on("message", handler);
    fake.last().receive("1");
    client.off("message", handler);
    fake.last().receive("2");
    expect(seen).toEqual([1]);
    client.close();
  });

  it("off() removes only that handler of that event, among handlers of other events", () => {
    const { fake, client } = openClient();
    const calls: string[] = [];
    const first = () => calls.push("first message");
    client.on("message", first);
    client.on("heartbeat", () => calls.push("heartbeat"));
    client.on("message", () => calls.push("second message"));
    client.off("message", first);
    // off() for a handler of another event, or one never subscribed, changes nothing
    client.off("heartbeat", first);
    client.off("message", () => {});
    fake.last().receive("1");
    expect(calls).toEqual(["second message"]);
    client.close();
  });

  it("unsubscribing during an emit is safe: the rest of that emit still runs, later emits skip it", () => {
    const { fake, client } = openClient();
    const calls: string[] = [];
    const stopFirst = client.on("message", () => calls.push("first"));
    client.on("message", () => {
      calls.push("second");
      stopThird();
    });
    const stopThird = client.on("message", () => calls.push("third"));
    client.on("message", () => {
      calls.push("fourth");
      stopFirst();
    });
    fake.last().receive("1");
    fake.last().receive("2");
    expect(calls).toEqual(["first", "second", "third", "fourth", "second", "fourth"]);
    client.close();
  });

  it("subscribing the same handler twice delivers each event to it once", () => {
    const { fake, client } = openClient();
    const seen: unknown[] = [];
    const handler = (m: unknown) => seen.push(m);
    client.on("message", handler);
    client.on("message", handler);
    fake.last().receive("1");
    expect(seen).toEqual([1]);
    client.off("message", handler);
    fake.last().receive("2");
    expect(seen).toEqual([1]);
    client.close();
  });

  it("a handler may call back into the client (close from a message handler)", () => {
    const s = openClient();
    s.client.on("message", () => s.client.close());
    s.fake.last().receive("1");
    s.fake.last().serverClose(1001);
    expect(s.client.state).toBe("closed");
    expectNothingLeft(s);
  });
});

describe("handlers that throw", () => {
  it("are reported as error HANDLER_ERROR; other handlers still run and the client keeps working", () => {
    const { clock, fake, client, log } = openClient();
    const boom = new Error("boom");
    const after: unknown[] = [];
    client.on("message", () => {
      throw boom;
    });
    client.on("message", (m) => after.push(m));
    fake.last().receive("1");
    expect(after).toEqual([1]);
    const errors = log.of("error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LifelineError);
    expect(errors[0]).toMatchObject({ code: "HANDLER_ERROR", cause: boom });
    expect(errors[0]!.message).toContain("boom");
    // still fully working
    expect(client.send("out")).toBe("sent");
    fake.last().receive("2");
    expect(after).toEqual([1, 2]);
    fake.last().serverClose(1001);
    clock.advance(500);
    fake.last().open();
    expect(client.state).toBe("open");
    client.close();
  });

  it("the HANDLER_ERROR is delivered after the event has reached its other handlers, not in the middle", () => {
    const { client, fake } = openClient();
    const order: string[] = [];
    client.on("message", () => {
      order.push("first");
      throw new Error("boom");
    });
    client.on("message", () => order.push("second"));
    client.on("error", (error) => order.push(`error: ${error.message}`));
    fake.last().receive("1");
    // the message handler's error reads as the thrown error's message, not "Error: boom"
    expect(order).toEqual(["first", "second", 'error: a "message" handler threw: boom']);
    client.close();
  });

  it("a throwing state or open handler does not stop the transition", () => {
    const { fake, client, log } = setup({ heartbeat: false });
    client.on("state", () => {
      throw new Error("state handler");
    });
    client.on("open", () => {
      throw new Error("open handler");
    });
    fake.last().open();
    expect(client.state).toBe("open");
    expect(log.of("open")).toEqual([{ attempt: 1 }]);
    // three: the state handler also hears createClient's own idle → connecting (held for handlers attached after it)
    expect(log.of("error").map((e) => e.code)).toEqual(["HANDLER_ERROR", "HANDLER_ERROR", "HANDLER_ERROR"]);
    client.close();
  });

  it("an error handler that throws is swallowed (no loop, nothing thrown into the client)", () => {
    const { fake, client } = openClient();
    const errorHandler = vi.fn(() => {
      throw new Error("error handler");
    });
    client.on("error", errorHandler);
    client.on("message", () => {
      throw new Error("message handler");
    });
    expect(() => fake.last().receive("1")).not.toThrow();
    expect(errorHandler).toHaveBeenCalledTimes(1);
    expect(client.state).toBe("open");
    client.close();
  });

  it("nothing the network or the server does throws into user code", () => {
    const { clock, fake, client } = openClient({ heartbeat: { interval: 100, timeout: 100 } });
    expect(() => {
      fake.last().receive("{bad json");
      fake.last().receive(new Uint8Array([0xff, 0xfe]));
      fake.last().serverClose(1002);
      client.connect();
      fake.last().fail();
      clock.advance(10_000);
    }).not.toThrow();
    client.close();
  });
});

/** Iterates `client` in the background: what it has yielded so far, and the loop (settled when the iteration ends). */
function consume(client: AsyncIterable<unknown>): { seen: unknown[]; consumer: Promise<void> } {
  const seen: unknown[] = [];
  const consumer = (async () => {
    for await (const message of client) seen.push(message);
  })();
  return { seen, consumer };
}

describe("async iteration", () => {
  it("yields validated messages across reconnects, buffering what was not read yet, and ends on close", async () => {
    const { clock, fake, client } = openClient();
    const iterator = client[Symbol.asyncIterator]();
    fake.last().receive("1");
    fake.last().receive("2");
    fake.last().receive("{invalid");
    fake.last().serverClose(1001);
    clock.advance(500);
    fake.last().open();
    fake.last().receive("3");
    client.close();
    const seen: unknown[] = [];
    for await (const message of { [Symbol.asyncIterator]: () => iterator }) seen.push(message);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("wakes a waiting consumer as messages arrive", async () => {
    const { fake, client } = openClient();
    const { seen, consumer } = consume(client);
    await flushMicrotasks();
    fake.last().receive("1");
    await flushMicrotasks();
    expect(seen).toEqual([1]);
    fake.last().receive("2");
    fake.last().receive("3");
    await flushMicrotasks();
    expect(seen).toEqual([1, 2, 3]);
    client.close();
    await consumer;
    expect(seen).toEqual([1, 2, 3]);
  });

  it("ends when the client gives up", async () => {
    const { clock, fake, client } = setup({ maxRetries: 1 });
    const { seen, consumer } = consume(client);
    failAttempts({ clock, fake }, 1);
    fake.last().fail();
    await consumer;
    expect(seen).toEqual([]);
  });

  it("ends on close() even when connect() follows before the consumer runs again", async () => {
    const { fake, client } = openClient();
    const { seen, consumer } = consume(client);
    await flushMicrotasks();
    fake.last().receive("1");
    client.close();
    client.connect();
    await consumer;
    expect(seen).toEqual([1]);
    expect(client.state).toBe("connecting");
    client.close();
  });

  it("breaking out of the loop unsubscribes it", async () => {
    const { fake, client } = openClient();
    const iterator = client[Symbol.asyncIterator]();
    fake.last().receive("1");
    await expect(iterator.next()).resolves.toEqual({ value: 1, done: false });
    await iterator.return!();
    fake.last().receive("2");
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    client.close();
  });

  it("is done at once on a closed client", async () => {
    const { client } = setup();
    client.close();
    await expect(client[Symbol.asyncIterator]().next()).resolves.toEqual({ value: undefined, done: true });
  });
});

describe("LifelineError and isLifelineError", () => {
  it("has name, code, message and cause, and is an Error", () => {
    const cause = new Error("root");
    const error = new LifelineError("TIMEOUT", "too slow", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "LifelineError", code: "TIMEOUT", message: "too slow", cause });
    expect(isLifelineError(error)).toBe(true);
  });

  it("recognises an error from another copy of the module, where instanceof fails", async () => {
    vi.resetModules();
    const other = await import("../../src/core/errors.js");
    expect(other.LifelineError).not.toBe(LifelineError);
    const foreign = new other.LifelineError("CLOSED", "from the other copy");
    expect(foreign instanceof LifelineError).toBe(false);
    expect(isLifelineError(foreign)).toBe(true);
    expect(other.isLifelineError(new LifelineError("CLOSED", "from this copy"))).toBe(true);
  });

  it("recognises a structurally branded error (another realm or bundle)", () => {
    const branded = Object.assign(new Error("x"), { code: "CLOSED" as LifelineErrorCode, [Symbol.for("lifeline.error")]: true });
    expect(isLifelineError(branded)).toBe(true);
  });

  it("rejects look-alikes", () => {
    for (const value of [new Error("x"), Object.assign(new Error("x"), { code: "CLOSED", name: "LifelineError" }), { code: "CLOSED" }, null, undefined, "LifelineError", 42]) {
      expect(isLifelineError(value)).toBe(false);
    }
  });
});

describe("errors that are not Errors", () => {
  it("reports a handler that throws an object without a prototype", async () => {
    const { createClient } = await import("../../src/index.js");
    const { createFakeClock, createFakeWebSocket } = await import("../../src/testing.js");
    const fake = createFakeWebSocket();
    const client = createClient({ url: "ws://test/ws", WebSocket: fake.WebSocket, clock: createFakeClock() });
    const errors: Array<{ code: string; message: string }> = [];
    client.on("error", (e) => errors.push(e));
    client.on("open", () => {
      throw Object.create(null);
    });
    fake.last().open();
    expect(client.state).toBe("open");
    expect(errors).toMatchObject([{ code: "HANDLER_ERROR", message: expect.stringContaining("[object Object]") }]);
    client.close();
  });
});
