// LifelineWebSocket's state machine on the fake WebSocket and the fake clock,
// checked against the WHATWG WebSocket interface and what partysocket and
// reconnecting-websocket document (reconnect(), retryCount, their options).
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { isLifelineError } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { LifelineWebSocket } from "../../src/websocket/index.js";
import type { LifelineCloseEvent, LifelineMessageEvent } from "../../src/websocket/index.js";
import { QUIET, TEST_URL, nextTimer, setup } from "./helpers.js";

const { CONNECTING, OPEN, CLOSING, CLOSED } = LifelineWebSocket;

async function flushMicrotasks(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the WebSocket interface", () => {
  it("is an EventTarget with the four constants on the class and on instances", () => {
    const { ws } = setup();
    expect(ws).toBeInstanceOf(EventTarget);
    expect([CONNECTING, OPEN, CLOSING, CLOSED]).toEqual([0, 1, 2, 3]);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    ws.close();
  });

  it("starts CONNECTING with the url, protocols and binaryType of the platform's defaults", () => {
    const { ws, fake } = setup({}, { protocols: ["chat.v1", "chat.v2"] });
    expect(ws.readyState).toBe(CONNECTING);
    expect(ws.url).toBe(TEST_URL);
    expect(ws.binaryType).toBe("blob");
    expect(fake.sockets).toHaveLength(1);
    expect(fake.last().url).toBe(TEST_URL);
    expect(fake.last().protocols).toEqual(["chat.v1", "chat.v2"]);
    ws.binaryType = "nonsense" as "blob"; // ignored, as the platform ignores an unknown value
    expect(ws.binaryType).toBe("blob");
    ws.close();
  });

  it("turns http: into ws: in url, as the platform does", () => {
    const { ws, fake } = setup({}, { url: "http://lifeline.test/ws" });
    expect(ws.url).toBe("ws://lifeline.test/ws");
    expect(fake.last().url).toBe("ws://lifeline.test/ws");
    ws.close();
  });

  it("types its events like the platform's WebSocket", () => {
    const { ws } = setup();
    ws.addEventListener("close", (event) => expectTypeOf(event).toEqualTypeOf<LifelineCloseEvent>());
    ws.addEventListener("message", (event) => expectTypeOf(event).toEqualTypeOf<LifelineMessageEvent>());
    ws.onclose = (event) => expectTypeOf(event).toBeAny();
    expectTypeOf(ws.send("x")).toEqualTypeOf<boolean>();
    expectTypeOf(ws.readyState).toEqualTypeOf<0 | 1 | 2 | 3>();
    // @ts-expect-error not an option of either library (maxRetries is)
    expect(() => new LifelineWebSocket(TEST_URL, [], { maxRetry: 1, startClosed: true })).not.toThrow();
    // @ts-expect-error a close event is not a message event
    ws.addEventListener("close", (event: LifelineMessageEvent) => event.data);
    ws.close();
  });

  it("takes a URL object", () => {
    const { ws, fake } = setup({}, { url: new URL(TEST_URL) });
    expect(ws.url).toBe(TEST_URL);
    expect(fake.last().url).toBe(TEST_URL);
    ws.close();
  });

  it("rejects options it cannot use with INVALID_OPTIONS naming the option", () => {
    const fake = createFakeWebSocket();
    const make = (options: object, url: unknown = TEST_URL, protocols?: unknown) => () =>
      new LifelineWebSocket(url as string, protocols as string, { WebSocket: fake.WebSocket, ...options });
    expect(make({ minReconnectionDelay: -1 })).toThrow(/minReconnectionDelay/);
    expect(make({ reconnectionDelayGrowFactor: 0.5 })).toThrow(/reconnectionDelayGrowFactor/);
    expect(make({ maxEnqueuedMessages: 1.5 })).toThrow(/maxEnqueuedMessages/);
    expect(make({ connectionTimeout: 0 })).toThrow(/connectionTimeout/);
    expect(make({ jitter: "some" })).toThrow(/^jitter must be/);
    expect(make({ minUptime: Infinity })).toThrow(/minUptime/);
    // lifeline checks these; its message is reworded with the name the user wrote, and keeps the value
    expect(make({ minReconnectionDelay: -1 })).toThrow(/^minReconnectionDelay must be a finite number of ms ≥ 0, got -1$/);
    expect(make({ maxReconnectionDelay: "1s" })).toThrow(/^maxReconnectionDelay must be .*, got "1s"$/);
    expect(make({ minUptime: Infinity })).toThrow(/^minUptime must be .*, got Infinity$/);
    expect(make({ connectionTimeout: 0 })).toThrow(/^connectionTimeout must be .*, got 0$/);
    expect(make({ maxEnqueuedMessages: -1 })).toThrow(/^maxEnqueuedMessages must be .*, got -1$/);
    expect(make({ reconnectionDelayGrowFactor: 0.5 })).toThrow(/^reconnectionDelayGrowFactor must be .*, got 0\.5$/);
    expect(make({ startClosed: "yes" })).toThrow(/startClosed/);
    expect(make({ heartbeat: { interval: 0 } })).toThrow(/heartbeat\.interval/);
    expect(make({}, "ftp://lifeline.test/")).toThrow(/url must be/);
    expect(make({}, "ws://user:secret@/")).toThrow(/url must be/);
    expect(make({}, TEST_URL, 42)).toThrow(/protocols/);
    try {
      make({ maxRetries: -1 })();
      expect.unreachable();
    } catch (error) {
      expect(isLifelineError(error) && error.code).toBe("INVALID_OPTIONS");
    }
    expect(fake.sockets).toHaveLength(0);
  });

  it("rejects close codes and reasons the platform rejects", () => {
    const { ws, fake } = setup();
    fake.last().open();
    expect(() => ws.close(1001)).toThrow(/close code/);
    expect(() => ws.close(5000)).toThrow(/close code/);
    expect(() => ws.close(1000, "x".repeat(124))).toThrow(/reason/);
    expect(() => ws.reconnect(2000)).toThrow(/close code/);
    expect(ws.readyState).toBe(OPEN);
    ws.close(1000, "é".repeat(61)); // 122 bytes: fine
    expect(ws.readyState).toBe(CLOSED);
  });
});

describe("events and readyState", () => {
  it("open, then a close per dropped connection and open again after every reconnect", () => {
    const { ws, fake, clock, log } = setup();
    fake.last().open();
    fake.last().serverClose(1012, "restart");
    expect(ws.readyState).toBe(CLOSED); // waiting out the backoff: the connection is closed
    expect(fake.sockets).toHaveLength(1);
    nextTimer(clock);
    expect(ws.readyState).toBe(CONNECTING);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(log.all).toEqual([
      { type: "open", readyState: OPEN },
      { type: "close", readyState: CLOSED, code: 1012, reason: "restart", wasClean: true },
      { type: "open", readyState: OPEN },
    ]);
    ws.close();
  });

  it("a failed attempt is one error then one close 1006, both seen as CLOSED, then a retry", () => {
    const { ws, fake, clock, log } = setup();
    fake.last().fail(); // Node 22: error only, no close
    expect(log.all).toEqual([
      // the core reports the failed attempt (CONNECT_FAILED), which the drop-in passes on as the event's error
      { type: "error", readyState: CLOSED, error: expect.objectContaining({ code: "CONNECT_FAILED" }) },
      { type: "close", readyState: CLOSED, code: 1006, reason: "", wasClean: false },
    ]);
    nextTimer(clock);
    expect(ws.readyState).toBe(CONNECTING);
    fake.last().open();
    expect(log.types()).toEqual(["error", "close", "open"]);
    ws.close();
  });

  it("an abnormal close of an open connection is a close 1006 with no error", () => {
    const { ws, fake, log } = setup();
    fake.last().open();
    fake.last().serverClose(1006, "", false);
    expect(log.all.slice(1)).toEqual([{ type: "close", readyState: CLOSED, code: 1006, reason: "", wasClean: false }]);
    ws.close();
  });

  it("close() while OPEN: close with the given code before close() returns, then nothing more", () => {
    const { ws, fake, clock, log } = setup();
    fake.last().open();
    ws.close(4001, "bye");
    expect(ws.readyState).toBe(CLOSED);
    expect(fake.last().closedWith).toEqual({ code: 4001, reason: "bye" });
    expect(log.all.slice(1)).toEqual([{ type: "close", readyState: CLOSED, code: 4001, reason: "bye", wasClean: true }]);
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(1);
    ws.close(); // again: nothing happens
    expect(log.of("close")).toHaveLength(1);
  });

  it("close() during CONNECTING: error, then close 1006, not clean (WHATWG), and no retry", () => {
    const { ws, fake, clock, log } = setup();
    ws.close();
    expect(log.all).toEqual([
      { type: "error", readyState: CLOSED, error: undefined },
      { type: "close", readyState: CLOSED, code: 1006, reason: "", wasClean: false },
    ]);
    expect(ws.readyState).toBe(CLOSED);
    expect(clock.pending()).toBe(0);
    expect(fake.live()).toHaveLength(0);
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it("close() inside a handler that runs while the client is busy is CLOSING until its close is delivered", () => {
    const { ws, fake } = setup();
    const states: number[] = [];
    ws.onopen = () => {
      ws.close();
      states.push(ws.readyState);
    };
    ws.onclose = () => states.push(ws.readyState);
    fake.last().open();
    expect(states).toEqual([CLOSING, CLOSED]);
    expect(ws.readyState).toBe(CLOSED);
  });

  it("close() while waiting out a backoff stops the retry without another close event", () => {
    const { ws, fake, clock, log } = setup();
    fake.last().open();
    fake.last().serverClose(1001);
    ws.close();
    expect(log.of("close")).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it("reconnect(code, reason) while OPEN: close with them, CONNECTING at once, then open", () => {
    const { ws, fake, log } = setup();
    fake.last().open();
    ws.reconnect(4000, "switch room");
    expect(fake.sockets[0]!.closedWith).toEqual({ code: 4000, reason: "switch room" });
    expect(ws.readyState).toBe(CONNECTING);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(log.all).toEqual([
      { type: "open", readyState: OPEN },
      { type: "close", readyState: CLOSED, code: 4000, reason: "switch room", wasClean: true },
      { type: "open", readyState: OPEN },
    ]);
    ws.close();
  });

  it("reconnect() from inside a message handler: the close comes first, then CONNECTING", () => {
    const { ws, fake, log } = setup();
    fake.last().open();
    const seen: number[] = [];
    ws.onmessage = () => {
      ws.reconnect();
      seen.push(ws.readyState);
    };
    fake.last().receive("move");
    expect(log.types()).toEqual(["open", "message", "close"]);
    expect(log.of("close")[0]!.readyState).toBe(CLOSED);
    expect(ws.readyState).toBe(CONNECTING);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });

  it("reconnect() cuts a backoff short", () => {
    const { ws, fake, clock } = setup({ minReconnectionDelay: 10_000 });
    fake.last().fail();
    expect(ws.readyState).toBe(CLOSED);
    ws.reconnect();
    expect(fake.sockets).toHaveLength(2);
    expect(ws.readyState).toBe(CONNECTING);
    expect(clock.pending()).toBe(1); // only the connect timeout of the new attempt
    ws.close();
  });

  it("a server close lifeline does not retry (1008) ends for good, unless shouldReconnect says otherwise", () => {
    const { ws, fake, clock } = setup();
    fake.last().open();
    fake.last().serverClose(1008, "policy");
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(1);
    expect(ws.readyState).toBe(CLOSED);

    const always = setup({ shouldReconnect: () => true });
    always.fake.last().open();
    always.fake.last().serverClose(1008, "policy");
    nextTimer(always.clock);
    expect(always.fake.sockets).toHaveLength(2);
    always.ws.close();
  });
});

describe("handlers and listeners", () => {
  it("on* handlers and listeners survive reconnects", () => {
    const { ws, fake, clock } = setup();
    const calls: string[] = [];
    ws.onopen = () => calls.push("onopen");
    ws.onmessage = (event) => calls.push(`onmessage ${event.data}`);
    ws.onclose = (event) => calls.push(`onclose ${event.code}`);
    ws.onerror = () => calls.push("onerror");
    ws.addEventListener("message", (event) => calls.push(`listener ${event.data}`));
    fake.last().open();
    fake.last().receive("one");
    fake.last().serverClose(1001);
    nextTimer(clock);
    fake.last().fail();
    nextTimer(clock);
    fake.last().open();
    fake.last().receive("two");
    expect(calls).toEqual([
      "onopen",
      "onmessage one",
      "listener one",
      "onclose 1001",
      "onerror",
      "onclose 1006",
      "onopen",
      "onmessage two",
      "listener two",
    ]);
    ws.close();
  });

  it("handlers run with the socket as this and in the order they were first set", () => {
    const { ws, fake } = setup();
    const order: string[] = [];
    ws.addEventListener("message", () => order.push("first listener"));
    ws.onmessage = function (this: unknown) {
      order.push(this === ws ? "handler" : "handler with a wrong this");
    };
    ws.addEventListener("message", () => order.push("last listener"));
    ws.onmessage = function () {
      order.push("replaced handler"); // keeps the first one's place
    };
    fake.last().open();
    fake.last().receive("x");
    expect(order).toEqual(["first listener", "replaced handler", "last listener"]);
    expect(typeof ws.onmessage).toBe("function");
    ws.close();
  });

  it("removed listeners, a null handler and once listeners are not called again", () => {
    const { ws, fake } = setup();
    const calls: string[] = [];
    const listener = (event: LifelineMessageEvent) => calls.push(`listener ${event.data}`);
    ws.addEventListener("message", listener);
    ws.addEventListener("message", (event) => calls.push(`once ${event.data}`), { once: true });
    ws.onmessage = (event) => calls.push(`handler ${event.data}`);
    fake.last().open();
    fake.last().receive("a");
    ws.removeEventListener("message", listener);
    ws.onmessage = null;
    expect(ws.onmessage).toBeNull();
    fake.last().receive("b");
    expect(calls).toEqual(["listener a", "once a", "handler a"]);
    ws.close();
  });
});

describe("sending and the queue", () => {
  it("queues while down (send() false), flushes in order before anything newer, then sends at once (true)", () => {
    const { ws, fake, clock } = setup();
    expect(ws.send("first")).toBe(false);
    expect(ws.send("sécond")).toBe(false);
    expect(ws.bufferedAmount).toBe(5 + 7); // bytes of UTF-8, not characters
    const sentAtOpen: unknown[] = [];
    ws.onopen = () => sentAtOpen.push(...fake.last().sent);
    fake.last().open();
    expect(sentAtOpen).toEqual(["first", "sécond"]); // flushed before open fires, as partysocket does
    expect(ws.send("third")).toBe(true);
    expect(fake.last().sent).toEqual(["first", "sécond", "third"]);
    expect(ws.bufferedAmount).toBe(0);

    fake.last().serverClose(1001);
    expect(ws.send("while down")).toBe(false);
    nextTimer(clock);
    fake.last().open();
    expect(fake.last().sent).toEqual(["while down"]);
    ws.close();
  });

  it("maxEnqueuedMessages: what does not fit is dropped (send() false), the rest goes out in order", () => {
    const { ws, fake } = setup({ maxEnqueuedMessages: 2 });
    expect([ws.send("1"), ws.send("2"), ws.send("3")]).toEqual([false, false, false]);
    expect(ws.bufferedAmount).toBe(2);
    fake.last().open();
    expect(fake.last().sent).toEqual(["1", "2"]);
    ws.close();
  });

  it("frames pass through untouched: strings, ArrayBuffer, views and Blob are sent as they are", () => {
    const { ws, fake } = setup();
    fake.last().open();
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const view = new Uint16Array([7, 8]);
    const blob = new Blob(["hi"]);
    ws.send('{"not":"parsed"}');
    ws.send(buffer);
    ws.send(view);
    ws.send(blob);
    ws.send(42 as unknown as string); // the platform sends String(value)
    expect(fake.last().sent).toEqual(['{"not":"parsed"}', buffer, view, blob, "42"]);
    expect(fake.last().sent[1]).toBe(buffer);
    expect(fake.last().sent[3]).toBe(blob);
    ws.close();
  });

  it("bufferedAmount counts queued bytes of every kind", () => {
    const { ws } = setup({ startClosed: true });
    ws.send(new ArrayBuffer(10));
    ws.send(new Uint32Array(2));
    ws.send(new Blob(["abc"]));
    ws.send("😀"); // one code point, four bytes
    expect(ws.bufferedAmount).toBe(10 + 8 + 3 + 4);
  });

  it("send() after close() queues; reconnect() sends it (partysocket's behaviour)", () => {
    const { ws, fake } = setup();
    fake.last().open();
    ws.close();
    expect(ws.send("later")).toBe(false);
    ws.reconnect();
    fake.last().open();
    expect(fake.last().sent).toEqual(["later"]);
    ws.close();
  });
});

describe("receiving", () => {
  it("text arrives as it came; binary as a Blob by default and as an ArrayBuffer on request", async () => {
    const { ws, fake, log } = setup();
    fake.last().open();
    fake.last().receive('{"type":"chat"}');
    fake.last().receive(new Uint8Array([1, 2, 3]).buffer);
    ws.binaryType = "arraybuffer";
    fake.last().receive(new Uint8Array([4, 5]).buffer);
    const [text, blob, buffer] = log.of("message").map((m) => m.data);
    expect(text).toBe('{"type":"chat"}');
    expect(blob).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (blob as Blob).arrayBuffer())]).toEqual([1, 2, 3]);
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(buffer as ArrayBuffer)]).toEqual([4, 5]);
    ws.close();
  });

  it("message events are MessageEvents with the connection's origin", () => {
    const { ws, fake } = setup();
    const events: MessageEvent[] = [];
    ws.addEventListener("message", (event) => events.push(event as unknown as MessageEvent));
    fake.last().open();
    fake.last().receive("x");
    expect(events[0]).toBeInstanceOf(MessageEvent);
    expect(events[0]!.origin).toBe("ws://lifeline.test");
    expect(events[0]!.target).toBe(ws);
    ws.close();
  });
});

describe("retries", () => {
  it("maxRetries: gives up after that many failed retries (CLOSED); reconnect() starts again from 0", () => {
    const { ws, fake, clock, log } = setup({ maxRetries: 2 });
    fake.last().fail();
    expect(ws.retryCount).toBe(1);
    nextTimer(clock);
    fake.last().fail();
    expect(ws.retryCount).toBe(2);
    nextTimer(clock);
    fake.last().fail();
    expect(fake.sockets).toHaveLength(3);
    expect(ws.readyState).toBe(CLOSED);
    expect(clock.pending()).toBe(0);
    clock.advance(600_000);
    expect(fake.sockets).toHaveLength(3);
    expect(log.of("close")).toHaveLength(3);
    ws.reconnect();
    expect(ws.retryCount).toBe(0);
    expect(ws.readyState).toBe(CONNECTING);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });

  it("delays grow by reconnectionDelayGrowFactor up to maxReconnectionDelay, with lifeline's jitter", () => {
    const { ws, fake, clock } = setup({ minReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 3, maxReconnectionDelay: 5_000 });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      fake.last().fail();
      nextTimer(clock);
      waits.push(clock.now() - before);
    }
    expect(waits).toEqual([1_000, 3_000, 5_000, 5_000]);
    ws.close();

    const jittered = setup({ jitter: "full", random: () => 0.25, minReconnectionDelay: 1_000 });
    const before = jittered.clock.now();
    jittered.fake.last().fail();
    nextTimer(jittered.clock);
    expect(jittered.clock.now() - before).toBe(250);
    jittered.ws.close();
  });

  it("retryCount counts retries since the last connection that stayed up minUptime", () => {
    const { ws, fake, clock } = setup({ minUptime: 1_000 });
    expect(ws.retryCount).toBe(0);
    fake.last().fail();
    nextTimer(clock);
    fake.last().fail();
    nextTimer(clock);
    fake.last().open();
    expect(ws.retryCount).toBe(2);
    clock.advance(1_000);
    expect(ws.retryCount).toBe(0);
    fake.last().serverClose(1001);
    expect(ws.retryCount).toBe(1);
    ws.close();
  });

  it("connectionTimeout: an attempt not open in time fails (error, close 1006) and is retried", () => {
    const { ws, fake, clock, log } = setup({ connectionTimeout: 1_000 });
    clock.advance(999);
    expect(log.all).toEqual([]);
    clock.advance(1);
    expect(log.types()).toEqual(["error", "close"]);
    expect(log.of("close")[0]).toMatchObject({ code: 1006, wasClean: false, reason: "connect timeout" });
    expect(fake.sockets[0]!.closedWith).toBeDefined();
    nextTimer(clock);
    expect(fake.sockets).toHaveLength(2);
    ws.close();
  });

  it("startClosed: no socket and CLOSED until reconnect()", () => {
    const { ws, fake, clock } = setup({ startClosed: true });
    expect(ws.readyState).toBe(CLOSED);
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(0);
    ws.send("waiting");
    ws.reconnect();
    expect(ws.readyState).toBe(CONNECTING);
    fake.last().open();
    expect(fake.last().sent).toEqual(["waiting"]);
    ws.close();
  });
});

describe("url and protocols providers", () => {
  it("functions are called before every attempt and their values used together", () => {
    let n = 0;
    const { ws, fake, clock } = setup({}, { url: () => `ws://lifeline.test/ws?attempt=${++n}`, protocols: () => [`v${n}`] });
    expect(ws.url).toBe("ws://lifeline.test/ws?attempt=1");
    fake.last().fail();
    nextTimer(clock);
    expect(fake.sockets.map((s) => [s.url, s.protocols])).toEqual([
      ["ws://lifeline.test/ws?attempt=1", ["v1"]],
      ["ws://lifeline.test/ws?attempt=2", ["v2"]],
    ]);
    expect(ws.url).toBe("ws://lifeline.test/ws?attempt=2");
    ws.close();
  });

  it("async providers: CONNECTING while they resolve, url is empty until the first one has", async () => {
    let token = 0;
    const { ws, fake } = setup(
      {},
      { url: async () => `ws://lifeline.test/ws?token=${++token}`, protocols: () => Promise.resolve("chat") },
    );
    expect(ws.url).toBe("");
    expect(ws.readyState).toBe(CONNECTING);
    expect(fake.sockets).toHaveLength(0);
    await flushMicrotasks();
    expect(fake.sockets.map((s) => [s.url, s.protocols])).toEqual([["ws://lifeline.test/ws?token=1", "chat"]]);
    expect(ws.url).toBe("ws://lifeline.test/ws?token=1");
    ws.close();
  });

  it("a provider that throws fails the attempt with the error on the error event, and is retried", async () => {
    let calls = 0;
    const { ws, fake, clock, log } = setup(
      {},
      {
        url: () => {
          if (++calls === 1) throw new Error("no token yet");
          return TEST_URL;
        },
      },
    );
    expect(log.all).toEqual([]); // the first failure happened inside the constructor, before any listener
    nextTimer(clock);
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    ws.close();

    const rejecting = setup({}, { protocols: () => Promise.reject(new Error("no protocol")) });
    await flushMicrotasks();
    const [error] = rejecting.log.of("error");
    expect(isLifelineError(error?.error) && error.error.code).toBe("URL_ERROR");
    expect(String((error?.error as Error).message)).toMatch(/no protocol/);
    expect(rejecting.log.types()).toEqual(["error", "close"]);
    rejecting.ws.close();
  });

  it("close() while an async url is still resolving: no socket is ever made", async () => {
    let resolve!: (url: string) => void;
    const { ws, fake, clock } = setup({}, { url: () => new Promise<string>((r) => (resolve = r)) });
    ws.close();
    expect(ws.readyState).toBe(CLOSED);
    resolve(TEST_URL);
    await flushMicrotasks();
    expect(fake.sockets).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    ws.reconnect(); // the abandoned attempt ended without a close event: the next one is CONNECTING all the same
    expect(ws.readyState).toBe(CONNECTING);
    resolve(TEST_URL);
    await flushMicrotasks();
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });
});

describe("the WebSocket constructor", () => {
  it("reads the global WebSocket when connecting, not at import", () => {
    const fake = createFakeWebSocket();
    vi.stubGlobal("WebSocket", fake.WebSocket);
    const ws = new LifelineWebSocket(TEST_URL, undefined, { ...QUIET, clock: createFakeClock() });
    expect(fake.sockets).toHaveLength(1);
    ws.close();
  });

  it("NO_WEBSOCKET at construction when there is none (startClosed waits until reconnect())", () => {
    vi.stubGlobal("WebSocket", undefined);
    expect(() => new LifelineWebSocket(TEST_URL)).toThrow(expect.objectContaining({ code: "NO_WEBSOCKET" }));
    const later = new LifelineWebSocket(TEST_URL, undefined, { startClosed: true });
    expect(() => later.reconnect()).toThrow(expect.objectContaining({ code: "NO_WEBSOCKET" }));
    const fake = createFakeWebSocket();
    vi.stubGlobal("WebSocket", fake.WebSocket); // a polyfill installed afterwards
    later.reconnect();
    expect(fake.sockets).toHaveLength(1);
    later.close();
  });

  it("protocol and extensions come from the current socket", () => {
    const { ws, fake } = setup();
    expect(ws.protocol).toBe("");
    Object.assign(fake.last(), { protocol: "chat.v2", extensions: "permessage-deflate" });
    fake.last().open();
    expect(ws.protocol).toBe("chat.v2");
    expect(ws.extensions).toBe("permessage-deflate");
    ws.close();
  });
});

describe("the heartbeat", () => {
  it("is lifeline's: ping after silence, a dead line closed (1006, heartbeat timeout) and reconnected", () => {
    const { ws, fake, clock, log } = setup({ heartbeat: { interval: 1_000, timeout: 500 } }, { closeCompletes: false });
    fake.last().open();
    clock.advance(1_000);
    expect(fake.last().sent).toEqual(["ping"]);
    clock.advance(500);
    expect(log.of("close")).toEqual([{ type: "close", readyState: CLOSED, code: 1006, reason: "heartbeat timeout", wasClean: false }]);
    expect(log.of("error")).toEqual([]);
    nextTimer(clock);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });

  it("ping and pong frames never reach message listeners; heartbeat: false passes them through", () => {
    const on = setup({ heartbeat: { interval: 1_000, timeout: 500 } });
    on.fake.last().open();
    on.fake.last().receive("ping");
    on.fake.last().receive("pong");
    on.fake.last().receive("hello");
    expect(on.log.of("message").map((m) => m.data)).toEqual(["hello"]);
    expect(on.fake.last().sent).toEqual(["pong"]); // the server's ping was answered
    on.ws.close();

    const off = setup({ heartbeat: false });
    off.fake.last().open();
    off.fake.last().receive("ping");
    off.clock.advance(60_000);
    expect(off.log.of("message").map((m) => m.data)).toEqual(["ping"]);
    expect(off.fake.last().sent).toEqual([]);
    off.ws.close();
  });
});

describe("after close()", () => {
  it("leaves no timer, no live socket and no listener on any socket", () => {
    const { ws, fake, clock } = setup({ heartbeat: { interval: 1_000, timeout: 500 } });
    fake.last().open();
    ws.send("x");
    clock.advance(1_000); // a ping is out, its timeout pending
    expect(clock.pending()).toBeGreaterThan(0);
    ws.close();
    expect(clock.pending()).toBe(0);
    expect(fake.live()).toHaveLength(0);
    for (const socket of fake.sockets) expect(socket.listenerCount()).toBe(0);
  });

  it("debug logs through debugLogger only", () => {
    const lines: unknown[][] = [];
    const { ws, fake } = setup({ debug: true, debugLogger: (...args) => lines.push(args) });
    fake.last().open();
    ws.close();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line[0] === "LifelineWebSocket>")).toBe(true);
    expect(lines.map((line) => line[1])).toEqual(expect.arrayContaining(["connect", "open", "close"]));
  });
});
