import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createClient, DEFAULTS, isLifelineError } from "../../src/index.js";
import type { ClientOptions } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { setup, TEST_URL } from "./helpers.js";

afterEach(() => {
  vi.unstubAllGlobals();
});

/** createClient with a fake socket; `options` override anything, including url. */
function create(options: Record<string, unknown>) {
  const fake = createFakeWebSocket();
  return createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock: createFakeClock(), ...options } as ClientOptions);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("INVALID_OPTIONS", () => {
  // [option path as it must appear in the message, options that break it]
  const cases: Array<[string, Record<string, unknown>]> = [
    ["url", { url: undefined }],
    ["url", { url: 42 }],
    ["url", { url: "not a url" }],
    ["url", { url: "ftp://lifeline.test/ws" }],
    ["url", { url: "file:///tmp/socket" }],
    ["url", { url: new globalThis.URL("mailto:someone@lifeline.test") }],
    ["protocols", { protocols: 42 }],
    ["protocols", { protocols: ["chat", 1] }],
    ["codec", { codec: { encode: JSON.stringify } }],
    ["codec", { codec: "json" }],
    ["autoConnect", { autoConnect: "yes" }],
    ["connectTimeout", { connectTimeout: -1 }],
    ["connectTimeout", { connectTimeout: 0 }],
    ["connectTimeout", { connectTimeout: Infinity }],
    ["connectTimeout", { connectTimeout: Number.NaN }],
    ["connectTimeout", { connectTimeout: "10s" }],
    ["backoff", { backoff: 500 }],
    ["backoff", { backoff: null }],
    ["heartbeat", { heartbeat: null }],
    ["queue", { queue: null }],
    ["backoff", { backoff: [500] }],
    ["backoff.initial", { backoff: { initial: -1 } }],
    ["backoff.initial", { backoff: { initial: Number.NaN } }],
    ["backoff.initial", { backoff: { initial: Infinity } }],
    ["backoff.max", { backoff: { max: -100 } }],
    ["backoff.max", { backoff: { max: Infinity } }],
    ["backoff.factor", { backoff: { factor: 0.5 } }],
    ["backoff.factor", { backoff: { factor: 0 } }],
    ["backoff.factor", { backoff: { factor: Infinity } }],
    ["backoff.factor", { backoff: { factor: Number.NaN } }],
    ["backoff.jitter", { backoff: { jitter: "random" } }],
    ["backoff.jitter", { backoff: { jitter: true } }],
    ["backoff.resetAfter", { backoff: { resetAfter: -5 } }],
    ["backoff.resetAfter", { backoff: { resetAfter: Number.POSITIVE_INFINITY } }],
    ["maxRetries", { maxRetries: -1 }],
    ["maxRetries", { maxRetries: 1.5 }],
    ["maxRetries", { maxRetries: Number.NaN }],
    ["maxRetries", { maxRetries: "3" }],
    ["heartbeat", { heartbeat: 1000 }],
    ["heartbeat", { heartbeat: true }],
    ["heartbeat.interval", { heartbeat: { interval: 0 } }],
    ["heartbeat.interval", { heartbeat: { interval: -1 } }],
    ["heartbeat.interval", { heartbeat: { interval: Infinity } }],
    ["heartbeat.timeout", { heartbeat: { timeout: Number.NaN } }],
    ["heartbeat.timeout", { heartbeat: { timeout: -10 } }],
    ["heartbeat.ping", { heartbeat: { ping: "" } }],
    ["heartbeat.pong", { heartbeat: { pong: 7 } }],
    ["queue", { queue: "big" }],
    ["queue.max", { queue: { max: -1 } }],
    ["queue.max", { queue: { max: 2.5 } }],
    ["queue.overflow", { queue: { overflow: "drop-random" } }],
    ["queue.ttl", { queue: { ttl: 0 } }],
    ["queue.ttl", { queue: { ttl: -1 } }],
    ["queue.ttl", { queue: { ttl: Number.NaN } }],
    ["incoming", { incoming: {} }],
    ["incoming", { incoming: null }],
    ["outgoing", { outgoing: null }],
    ["incoming", { incoming: { parse: () => 1 } }],
    ["outgoing", { outgoing: "string" }],
    ["shouldReconnect", { shouldReconnect: false }],
    ["delivery", { delivery: "at-least-once" }],
    ["share", { share: true }],
    ["clock", { clock: {} }],
    ["clock", { clock: { now: () => 0, setTimeout } }],
    ["random", { random: 0.5 }],
  ];

  it.each(cases)("%s: %j", (name, options) => {
    const error = thrown(() => create(options));
    expect(isLifelineError(error)).toBe(true);
    expect(error).toMatchObject({ code: "INVALID_OPTIONS", name: "LifelineError" });
    expect((error as Error).message).toContain(name);
  });

  it("names the bad value, without leaking a token from the url", () => {
    expect(() => create({ backoff: { factor: 0.5 } })).toThrow(/0\.5/);
    expect(() => create({ queue: { overflow: "drop-random" } })).toThrow(/drop-random/);
    expect(() => create({ connectTimeout: Infinity })).toThrow(/got Infinity$/);
    expect(() => create({ backoff: { initial: Number.NaN } })).toThrow(/got NaN$/);
    const error = thrown(() => create({ url: "ftp://user:secret@lifeline.test/ws?token=abc123" })) as Error;
    expect(error.message).toContain("ftp:");
    expect(error.message).not.toContain("secret");
    expect(error.message).not.toContain("abc123");
  });

  it("masks a user name in the url too (a token is often passed as one)", () => {
    const error = thrown(() => create({ url: "ftp://t0ken@lifeline.test/ws" })) as Error;
    expect(error.message).toContain("ftp: ftp://***@lifeline.test/ws");
    expect(error.message).not.toContain("t0ken");
  });

  it("refuses names that only Object.prototype knows, at the top and nested", () => {
    for (const options of [{ constructor: () => {} }, { toString: () => "x" }, { queue: { constructor: Map } }, { backoff: { hasOwnProperty: () => true } }]) {
      const error = thrown(() => create(options));
      expect(error, JSON.stringify(Object.keys(options))).toMatchObject({ code: "INVALID_OPTIONS" });
    }
  });

  it("reads only the options' own names: an enumerable name some library put on Object.prototype is not an option", () => {
    Object.defineProperty(Object.prototype, "lifelineTestPollution", { value: 1, enumerable: true, configurable: true, writable: true });
    try {
      const client = create({ autoConnect: false, backoff: { initial: 100 } });
      expect(client.state).toBe("idle");
      client.close();
    } finally {
      delete (Object.prototype as Record<string, unknown>).lifelineTestPollution;
    }
  });

  it("rejects options that are not an object", () => {
    expect(() => createClient(null as unknown as ClientOptions)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });

  it("accepts the boundary values", () => {
    const fake = createFakeWebSocket();
    const client = createClient({
      url: TEST_URL,
      WebSocket: fake.WebSocket,
      clock: createFakeClock(),
      autoConnect: false,
      backoff: { initial: 0, max: 0, factor: 1, resetAfter: 0 },
      maxRetries: 0,
      queue: { max: 0, ttl: Infinity },
      protocols: ["a", "b"],
      heartbeat: false,
    });
    expect(client.state).toBe("idle");
    client.connect();
    expect(fake.last().protocols).toEqual(["a", "b"]);
    client.close();
  });
});

describe("NO_WEBSOCKET", () => {
  it("is thrown at createClient when there is no WebSocket option and no global WebSocket", () => {
    vi.stubGlobal("WebSocket", undefined);
    const error = thrown(() => createClient({ url: TEST_URL, clock: createFakeClock() }));
    expect(isLifelineError(error)).toBe(true);
    expect(error).toMatchObject({ code: "NO_WEBSOCKET" });
    expect((error as Error).message).toMatch(/WebSocket/);
  });

  it("is thrown for a WebSocket option that is not a constructor", () => {
    expect(() => create({ WebSocket: 42 })).toThrow(expect.objectContaining({ code: "NO_WEBSOCKET" }));
  });

  it("uses the global WebSocket when no option is given", () => {
    const fake = createFakeWebSocket();
    vi.stubGlobal("WebSocket", fake.WebSocket);
    const client = createClient({ url: TEST_URL, clock: createFakeClock() });
    expect(fake.sockets).toHaveLength(1);
    client.close();
  });
});

describe("url", () => {
  it.each([
    ["http://lifeline.test/ws", "ws://lifeline.test/ws"],
    ["https://lifeline.test:8443/ws?room=1", "wss://lifeline.test:8443/ws?room=1"],
    ["ws://lifeline.test/ws", "ws://lifeline.test/ws"],
    ["wss://lifeline.test/", "wss://lifeline.test/"],
  ])("%s is dialled as %s", (given, dialled) => {
    const { fake, client } = setup({ url: given });
    expect(fake.last().url).toBe(dialled);
    client.close();
  });

  it("accepts a URL object and converts its scheme", () => {
    const { fake, client } = setup({ url: new globalThis.URL("https://lifeline.test/a") });
    expect(fake.last().url).toBe("wss://lifeline.test/a");
    client.close();
  });

  it("passes protocols to the constructor", () => {
    const { fake, client } = setup({ protocols: "chat.v1" });
    expect(fake.last().protocols).toBe("chat.v1");
    client.close();
  });
});

describe("defaults", () => {
  it("are the ones DESIGN.md names", () => {
    expect(DEFAULTS).toMatchObject({
      autoConnect: true,
      connectTimeout: 10_000,
      backoff: { initial: 500, max: 30_000, factor: 2, jitter: "full", resetAfter: 5_000 },
      maxRetries: Infinity,
      heartbeat: { interval: 25_000, timeout: 10_000, ping: "ping", pong: "pong" },
      queue: { max: 1_000, overflow: "drop-oldest", ttl: Infinity },
    });
    // acknowledged delivery and tab sharing are opt-in features, off unless given
    expect(DEFAULTS).not.toHaveProperty("delivery");
    expect(DEFAULTS).not.toHaveProperty("share");
  });

  it("connects at once (autoConnect) and abandons an attempt after 10 s (connectTimeout)", () => {
    const { clock, fake, client, log } = setup();
    expect(client.state).toBe("connecting");
    expect(fake.sockets).toHaveLength(1);
    clock.advance(9_999);
    expect(log.of("close")).toEqual([]);
    clock.advance(1);
    expect(log.of("close")).toEqual([{ code: 1006, reason: "connect timeout", wasClean: false, willReconnect: true }]);
    client.close();
  });

  it("uses full jitter with initial 500 when backoff is not given", () => {
    const { fake, client, log } = setup({ random: () => 0.5 });
    fake.last().fail();
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 250 }]);
    client.close();
  });

  it("pings after 25 s of silence and gives up on the line 10 s later", () => {
    const { clock, fake, client, log } = setup({ backoff: { resetAfter: 60_000 } });
    fake.last().open();
    clock.advance(24_999);
    expect(fake.last().sent).toEqual([]);
    clock.advance(1);
    expect(fake.last().sent).toEqual(["ping"]);
    clock.advance(9_999);
    expect(client.state).toBe("open");
    clock.advance(1);
    expect(log.of("close")).toMatchObject([{ reason: "heartbeat timeout" }]);
    client.close();
  });

  it("queues up to 1000 messages, then drops the oldest", () => {
    const { client, log } = setup();
    for (let i = 0; i < 1_000; i++) client.send(i);
    expect(log.of("drop")).toEqual([]);
    expect(client.send(1_000)).toBe("queued");
    expect(log.of("drop")).toEqual([{ message: 0, reason: "overflow" }]);
    expect(client.pending).toHaveLength(1_000);
    client.close();
  });

  it("keeps the rest of a nested option from the defaults when only part is given", () => {
    // factor 2 and max 30 000 come from the defaults
    const { clock, fake, client, log } = setup({ backoff: { initial: 10_000, jitter: "none" } });
    fake.last().fail();
    clock.advance(10_000);
    fake.last().fail();
    clock.advance(20_000);
    fake.last().fail();
    expect(log.of("reconnecting").map((r) => r.delay)).toEqual([10_000, 20_000, 30_000]);

    const other = setup({ heartbeat: { interval: 1_000 }, queue: { max: 1 } });
    other.fake.last().open();
    other.clock.advance(1_000);
    expect(other.fake.last().sent).toEqual(["ping"]);
    // timeout stays 10 s
    other.clock.advance(9_999);
    expect(other.client.state).toBe("open");
    other.clock.advance(1);
    expect(other.client.state).toBe("reconnecting");
    other.client.send("a");
    other.client.send("b");
    expect(other.client.pending).toEqual(["b"]);
    client.close();
    other.client.close();
  });

  it("reads a nested option given as undefined as not given (its default stays)", () => {
    const { clock, fake, client, log } = setup({ backoff: { initial: undefined, max: undefined, jitter: "none" }, queue: { max: undefined, ttl: undefined } });
    fake.last().fail();
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 500 }]);
    clock.advance(500);
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });

  it("accepts a zod schema for incoming and outgoing", () => {
    const client = create({ incoming: z.string(), outgoing: z.number() });
    client.close();
  });
});
