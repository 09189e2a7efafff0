// LifelineWebSocket's state machine on the fake WebSocket and the fake clock,
// checked against the WHATWG WebSocket interface and what partysocket and
// reconnecting-websocket document (reconnect(), retryCount, their options).
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { isLifelineError } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { LifelineWebSocket } from "../../src/websocket/index.js";
import type { LifelineCloseEvent, LifelineMessageEvent } from "../../src/websocket/index.js";
import { QUIET, TEST_URL, flush, nextTimer, setup } from "./helpers.js";

const { CONNECTING, OPEN, CLOSING, CLOSED } = LifelineWebSocket;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the WebSocket interface", () => {
  it("is an EventTarget with the four constants on the class and on instances", async () => {
    const { ws } = await setup();
    expect(ws).toBeInstanceOf(EventTarget);
    expect([CONNECTING, OPEN, CLOSING, CLOSED]).toEqual([0, 1, 2, 3]);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    ws.close();
  });

  it("starts CONNECTING with the url, protocols and binaryType of the platform's defaults", async () => {
    const { ws, fake } = await setup({}, { protocols: ["chat.v1", "chat.v2"] });
    expect(ws.readyState).toBe(CONNECTING);
    expect(ws.url).toBe(TEST_URL);
    expect(ws.binaryType).toBe("blob");
    expect(fake.sockets).toHaveLength(1);
    expect(fake.last().url).toBe(TEST_URL);
    expect(fake.last().protocols).toEqual(["chat.v1", "chat.v2"]);
    ws.close();
  });

  it("an http: url reaches the socket as given (the platform's WebSocket makes it ws:), and url says what the socket says", async () => {
    const { ws, fake } = await setup({}, { url: "http://lifeline.test/ws" });
    expect(fake.last().url).toBe("http://lifeline.test/ws");
    expect(ws.url).toBe("http://lifeline.test/ws");
    ws.close();
  });

  it("url is \"\" before the first socket, then the socket's own url as given, not normalised (both peers)", async () => {
    const fake = createFakeWebSocket();
    const ws = new LifelineWebSocket("ws://lifeline.test:50123", undefined, { ...QUIET, WebSocket: fake.WebSocket, clock: createFakeClock() });
    expect(ws.url).toBe(""); // nothing happens inside the constructor: no socket yet
    await flush();
    expect(fake.last().url).toBe("ws://lifeline.test:50123"); // no trailing slash added
    expect(ws.url).toBe("ws://lifeline.test:50123");
    // a socket that reports a url of its own (the platform's serialises it) is believed
    Object.defineProperty(fake.last(), "url", { value: "ws://lifeline.test:50123/" });
    fake.last().fail();
    ws.reconnect();
    await flush();
    expect(ws.url).toBe("ws://lifeline.test:50123");
    ws.close();
    expect(ws.url).toBe("ws://lifeline.test:50123"); // the last socket's, after close() too
  });

  it("types its events like the platform's WebSocket", async () => {
    const { ws } = await setup();
    ws.addEventListener("close", (event) => expectTypeOf(event).toEqualTypeOf<LifelineCloseEvent>());
    ws.addEventListener("message", (event) => expectTypeOf(event).toEqualTypeOf<LifelineMessageEvent>());
    ws.onclose = (event) => expectTypeOf(event).toEqualTypeOf<LifelineCloseEvent>();
    ws.onerror = (event) => expectTypeOf(event.message).toEqualTypeOf<string>();
    expectTypeOf(ws.send("x")).toEqualTypeOf<boolean>();
    expectTypeOf(ws.readyState).toEqualTypeOf<0 | 1 | 2 | 3>();
    // @ts-expect-error not an option of either library (maxRetries is)
    expect(() => new LifelineWebSocket(TEST_URL, [], { maxRetry: 1, startClosed: true })).not.toThrow();
    // @ts-expect-error a close event is not a message event
    ws.addEventListener("close", (event: LifelineMessageEvent) => event.data);
    ws.close();
  });

  it("takes a URL object", async () => {
    const { ws, fake } = await setup({}, { url: new URL(TEST_URL) });
    expect(ws.url).toBe(TEST_URL);
    expect(fake.last().url).toBe(TEST_URL);
    ws.close();
  });

  it("lets lifeline check its options: INVALID_OPTIONS, naming the peer's option in development builds", async () => {
    const fake = createFakeWebSocket();
    const make = (options: object) => () => new LifelineWebSocket(TEST_URL, undefined, { WebSocket: fake.WebSocket, ...options });
    const refused = (options: object) => {
      try {
        make(options)();
      } catch (error) {
        expect(isLifelineError(error) && error.code).toBe("INVALID_OPTIONS");
        return (error as Error).message;
      }
      return expect.unreachable(`${JSON.stringify(options)} was accepted`);
    };
    // each peer name is carried to lifeline's option, which checks the value; the note says where it came from
    expect(refused({ minReconnectionDelay: -1 })).toMatch(/minReconnectionDelay as backoff\.initial/);
    expect(refused({ maxReconnectionDelay: "1s" })).toMatch(/maxReconnectionDelay as backoff\.max/);
    expect(refused({ reconnectionDelayGrowFactor: 0.5 })).toMatch(/reconnectionDelayGrowFactor as backoff\.factor/);
    expect(refused({ jitter: "some" })).toMatch(/jitter as backoff\.jitter/);
    expect(refused({ minUptime: Infinity })).toMatch(/minUptime as backoff\.resetAfter/);
    expect(refused({ connectionTimeout: 0 })).toMatch(/connectionTimeout as connectTimeout/);
    expect(refused({ maxEnqueuedMessages: 1.5 })).toMatch(/maxEnqueuedMessages as queue\.max/);
    expect(refused({ maxRetries: -1 })).not.toMatch(/LifelineWebSocket passes/); // the same name in lifeline: nothing to add
    expect(refused({ heartbeat: { interval: 0 } })).toMatch(/heartbeat/);
    // the user's value reaches lifeline as given
    expect(refused({ minReconnectionDelay: -1 })).toMatch(/-1/);
    // as in both peers, a first delay above the largest is capped by it, not refused
    expect(make({ minReconnectionDelay: 5_000, maxReconnectionDelay: 200, startClosed: true })).not.toThrow();
    expect(make({ maxReconnectionDelay: 200, startClosed: true })).not.toThrow(); // below lifeline's default first delay
    expect(fake.sockets).toHaveLength(0);
  });

  it("a url lifeline cannot connect to fails each attempt with URL_ERROR, as a url function that throws", async () => {
    const { ws, fake, log } = await setup({ maxRetries: 0 }, { url: "ftp://lifeline.test/" });
    expect(fake.sockets).toHaveLength(0);
    expect(log.types()).toEqual(["error", "close"]);
    const [error] = log.of("error");
    expect(isLifelineError(error!.error) && error!.error.code).toBe("URL_ERROR");
    expect(ws.readyState).toBe(CLOSED);
  });

  it("close codes lifeline refuses throw INVALID_OPTIONS and change nothing", async () => {
    const { ws, fake } = await setup();
    fake.last().open();
    for (const code of [1001, 5000]) expect(() => ws.close(code)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => ws.reconnect(2000)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(ws.readyState).toBe(OPEN);
    ws.close(4000, "é".repeat(61));
    expect(fake.last().closedWith).toEqual({ code: 4000, reason: "é".repeat(61) });
    expect(ws.readyState).toBe(CLOSED);
  });
});

describe("events and readyState", () => {
  it("open, then a close per dropped connection and open again after every reconnect", async () => {
    const { ws, fake, clock, log } = await setup();
    fake.last().open();
    fake.last().serverClose(1012, "restart");
    expect(ws.readyState).toBe(CLOSED); // waiting out the backoff: the connection is closed
    expect(fake.sockets).toHaveLength(1);
    await nextTimer(clock);
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

  it("a failed attempt is one error then one close 1006, both seen as CLOSED, then a retry", async () => {
    const { ws, fake, clock, log } = await setup();
    fake.last().fail(); // Node 22: error only, no close
    expect(log.all).toEqual([
      // the core reports the failed attempt (CONNECT_FAILED), which the drop-in passes on as the event's error
      { type: "error", readyState: CLOSED, error: expect.objectContaining({ code: "CONNECT_FAILED" }) },
      { type: "close", readyState: CLOSED, code: 1006, reason: "", wasClean: false },
    ]);
    await nextTimer(clock);
    expect(ws.readyState).toBe(CONNECTING);
    fake.last().open();
    expect(log.types()).toEqual(["error", "close", "open"]);
    ws.close();
  });

  it("an abnormal close of an open connection is a close 1006 with no error", async () => {
    const { ws, fake, log } = await setup();
    fake.last().open();
    fake.last().serverClose(1006, "", false);
    expect(log.all.slice(1)).toEqual([{ type: "close", readyState: CLOSED, code: 1006, reason: "", wasClean: false }]);
    ws.close();
  });

  it("close() while OPEN: close with the given code before close() returns, then nothing more", async () => {
    const { ws, fake, clock, log } = await setup();
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

  it("close() during CONNECTING: error, then close 1006, not clean (WHATWG), and no retry", async () => {
    const { ws, fake, clock, log } = await setup();
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

  it("close() inside a handler that runs while the client is busy is CLOSING until its close is delivered", async () => {
    const { ws, fake } = await setup();
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

  it("close() while waiting out a backoff stops the retry without another close event", async () => {
    const { ws, fake, clock, log } = await setup();
    fake.last().open();
    fake.last().serverClose(1001);
    ws.close();
    expect(log.of("close")).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it("reconnect(code, reason) while OPEN: close with them, CONNECTING at once, then open", async () => {
    const { ws, fake, log } = await setup();
    fake.last().open();
    ws.reconnect(4000, "switch room");
    await flush();
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

  it("reconnect() from inside a message handler: the close comes first, then CONNECTING", async () => {
    const { ws, fake, log } = await setup();
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
    await flush();
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });

  it("reconnect() called many times in a row makes one socket", async () => {
    const { ws, fake } = await setup();
    fake.last().open();
    for (let i = 0; i < 100; i++) ws.reconnect();
    await flush();
    expect(fake.sockets).toHaveLength(2);
    expect(fake.live()).toHaveLength(1);
    ws.close();
  });

  it("reconnect() cuts a backoff short", async () => {
    const { ws, fake, clock } = await setup({ minReconnectionDelay: 10_000 });
    fake.last().fail();
    expect(ws.readyState).toBe(CLOSED);
    ws.reconnect();
    await flush();
    expect(fake.sockets).toHaveLength(2);
    expect(ws.readyState).toBe(CONNECTING);
    expect(clock.pending()).toBe(1); // only the connect timeout of the new attempt
    ws.close();
  });

  it("reconnects after every close code, 1008 included, as both peers do", async () => {
    const { ws, fake, clock } = await setup();
    for (const code of [1000, 1002, 1003, 1008, 1011, 4400, 4999]) {
      fake.last().open();
      fake.last().serverClose(code, "bye");
      await nextTimer(clock);
      expect(ws.readyState).toBe(CONNECTING);
    }
    expect(fake.sockets).toHaveLength(8);
    ws.close();
  });

  it("shouldReconnectOnClose (partysocket's) decides: false stops after that close, until reconnect()", async () => {
    const seen: Array<[number, string]> = [];
    const { ws, fake, clock, log } = await setup({
      shouldReconnectOnClose: ({ code, reason }) => {
        seen.push([code, reason]);
        return code !== 1008;
      },
    });
    const inListener: boolean[] = [];
    ws.addEventListener("close", () => inListener.push(ws.shouldReconnect));
    expect(ws.shouldReconnect).toBe(true);
    fake.last().open();
    fake.last().serverClose(4000, "moved");
    await nextTimer(clock);
    fake.last().open();
    fake.last().serverClose(1008, "policy");
    expect(inListener).toEqual([true, false]); // partysocket's getter, already false when the close listeners run
    expect(log.of("close").map((c) => c.code)).toEqual([4000, 1008]);
    expect(ws.readyState).toBe(CLOSED);
    expect(clock.pending()).toBe(0);
    clock.advance(600_000);
    expect(fake.sockets).toHaveLength(2);
    expect(seen).toEqual([
      [4000, "moved"],
      [1008, "policy"],
    ]);
    ws.reconnect();
    expect(ws.shouldReconnect).toBe(true);
    await flush();
    expect(fake.sockets).toHaveLength(3);
    ws.close();
    expect(ws.shouldReconnect).toBe(false);

    // lifeline's name for it works too; partysocket's wins when both are given
    const both = await setup({ shouldReconnect: () => false, shouldReconnectOnClose: () => true });
    both.fake.last().open();
    both.fake.last().serverClose(1008);
    await nextTimer(both.clock);
    expect(both.fake.sockets).toHaveLength(2);
    both.ws.close();
  });
});

describe("handlers and listeners", () => {
  it("on* handlers and listeners survive reconnects", async () => {
    const { ws, fake, clock } = await setup();
    const calls: string[] = [];
    ws.onopen = () => calls.push("onopen");
    ws.onmessage = (event) => calls.push(`onmessage ${event.data}`);
    ws.onclose = (event) => calls.push(`onclose ${event.code}`);
    ws.onerror = () => calls.push("onerror");
    ws.addEventListener("message", (event) => calls.push(`listener ${event.data}`));
    fake.last().open();
    fake.last().receive("one");
    fake.last().serverClose(1001);
    await nextTimer(clock);
    fake.last().fail();
    await nextTimer(clock);
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

  it("handlers run with the socket as this, before the listeners (as both peers call them)", async () => {
    const { ws, fake } = await setup();
    const order: string[] = [];
    ws.addEventListener("message", () => order.push("first listener"));
    ws.onmessage = function (this: unknown) {
      order.push(this === ws ? "handler" : "handler with a wrong this");
    };
    ws.addEventListener("message", () => order.push("last listener"));
    fake.last().open();
    fake.last().receive("x");
    ws.onmessage = function () {
      order.push("replaced handler");
    };
    fake.last().receive("y");
    expect(order).toEqual(["handler", "first listener", "last listener", "replaced handler", "first listener", "last listener"]);
    expect(typeof ws.onmessage).toBe("function");
    ws.close();
  });

  it("removed listeners, a null handler and once listeners are not called again", async () => {
    const { ws, fake } = await setup();
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
    expect(calls).toEqual(["handler a", "listener a", "once a"]);
    ws.close();
  });
});

describe("sending and the queue", () => {
  it("queues while down (send() false), flushes in order before anything newer, then sends at once (true)", async () => {
    const { ws, fake, clock } = await setup();
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
    await nextTimer(clock);
    fake.last().open();
    expect(fake.last().sent).toEqual(["while down"]);
    ws.close();
  });

  it("maxEnqueuedMessages: what does not fit is dropped (send() false), the rest goes out in order", async () => {
    const { ws, fake } = await setup({ maxEnqueuedMessages: 2 });
    expect([ws.send("1"), ws.send("2"), ws.send("3")]).toEqual([false, false, false]);
    expect(ws.bufferedAmount).toBe(2);
    fake.last().open();
    expect(fake.last().sent).toEqual(["1", "2"]);
    ws.close();
  });

  it("frames pass through untouched: strings, ArrayBuffer, views and Blob are sent as they are", async () => {
    const { ws, fake } = await setup();
    fake.last().open();
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const view = new Uint16Array([7, 8]);
    const blob = new Blob(["hi"]);
    ws.send('{"not":"parsed"}');
    ws.send(buffer);
    ws.send(view);
    ws.send(blob);
    ws.send(42 as unknown as string); // as given: the platform's send() makes it "42"
    expect(fake.last().sent).toEqual(['{"not":"parsed"}', buffer, view, blob, 42]);
    expect(fake.last().sent[1]).toBe(buffer);
    expect(fake.last().sent[3]).toBe(blob);
    ws.close();
  });

  it("bufferedAmount counts queued bytes of every kind", async () => {
    const { ws } = await setup({ startClosed: true });
    ws.send(new ArrayBuffer(10));
    ws.send(new Uint32Array(2));
    ws.send(new Blob(["abc"]));
    ws.send("😀"); // one code point, four bytes
    expect(ws.bufferedAmount).toBe(10 + 8 + 3 + 4);
  });

  it("send() after close() queues; reconnect() sends it (partysocket's behaviour)", async () => {
    const { ws, fake } = await setup();
    fake.last().open();
    ws.close();
    expect(ws.send("later")).toBe(false);
    ws.reconnect();
    await flush();
    fake.last().open();
    expect(fake.last().sent).toEqual(["later"]);
    ws.close();
  });
});

describe("receiving", () => {
  it("text arrives as it came; binary as a Blob by default and as an ArrayBuffer on request", async () => {
    const { ws, fake, log } = await setup();
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

  it("message events are MessageEvents with the connection's origin", async () => {
    const { ws, fake } = await setup();
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
  it("maxRetries: gives up after that many failed retries (CLOSED); reconnect() starts again from 0", async () => {
    const { ws, fake, clock, log } = await setup({ maxRetries: 2 });
    fake.last().fail();
    expect(ws.retryCount).toBe(1);
    await nextTimer(clock);
    fake.last().fail();
    expect(ws.retryCount).toBe(2);
    await nextTimer(clock);
    fake.last().fail();
    expect(fake.sockets).toHaveLength(3);
    expect(ws.readyState).toBe(CLOSED);
    expect(clock.pending()).toBe(0);
    clock.advance(600_000);
    expect(fake.sockets).toHaveLength(3);
    expect(log.of("close")).toHaveLength(3);
    ws.reconnect();
    await flush();
    expect(ws.retryCount).toBe(0);
    expect(ws.readyState).toBe(CONNECTING);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });

  it("delays grow by reconnectionDelayGrowFactor up to maxReconnectionDelay, with lifeline's jitter", async () => {
    const { ws, fake, clock } = await setup({ minReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 3, maxReconnectionDelay: 5_000 });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      fake.last().fail();
      await nextTimer(clock);
      waits.push(clock.now() - before);
    }
    expect(waits).toEqual([1_000, 3_000, 5_000, 5_000]);
    ws.close();

    const jittered = await setup({ jitter: "full", random: () => 0.25, minReconnectionDelay: 1_000 });
    const before = jittered.clock.now();
    jittered.fake.last().fail();
    await nextTimer(jittered.clock);
    expect(jittered.clock.now() - before).toBe(250);
    jittered.ws.close();
  });

  it("retryCount: the retry under way, 0 while open; it counts on from short-lived connections, as lifeline's backoff does", async () => {
    const { ws, fake, clock } = await setup({ minUptime: 1_000 });
    expect(ws.retryCount).toBe(0);
    fake.last().fail();
    await nextTimer(clock);
    expect(ws.retryCount).toBe(1);
    fake.last().fail();
    await nextTimer(clock);
    expect(ws.retryCount).toBe(2);
    fake.last().open();
    expect(ws.retryCount).toBe(0);
    fake.last().serverClose(1001); // up less than minUptime: the count goes on
    expect(ws.retryCount).toBe(3);
    await nextTimer(clock);
    fake.last().open();
    clock.advance(1_000);
    fake.last().serverClose(1001); // up minUptime: the count starts over
    expect(ws.retryCount).toBe(1);
    ws.close();
  });

  it("connectionTimeout: an attempt not open in time is an error whose message is \"TIMEOUT\" (both peers), then close 1006 and a retry", async () => {
    const { ws, fake, clock, log } = await setup({ connectionTimeout: 1_000 });
    const messages: string[] = [];
    ws.addEventListener("error", (event) => messages.push(event.message));
    clock.advance(999);
    expect(log.all).toEqual([]);
    clock.advance(1);
    expect(log.types()).toEqual(["error", "close"]);
    expect(messages).toEqual(["TIMEOUT"]);
    expect(log.of("close")[0]).toMatchObject({ code: 1006, wasClean: false });
    expect(fake.sockets[0]!.closedWith).toBeDefined();
    await nextTimer(clock);
    expect(fake.sockets).toHaveLength(2);
    fake.last().fail(); // a socket that fails by itself is not a timeout
    await nextTimer(clock);
    ws.close(); // nor is an attempt the user ends
    expect(messages).toHaveLength(3);
    expect(messages.slice(1)).not.toContain("TIMEOUT");
  });

  it("connectionTimeout: \"TIMEOUT\" even with a socket that reports an error from inside close() (the ws package does)", async () => {
    const fake = createFakeWebSocket();
    const WsPackageLike = function (url: string) {
      const socket = new fake.WebSocket(url) as unknown as ReturnType<typeof fake.last>;
      const close = socket.close.bind(socket);
      socket.close = (code?: number, reason?: string) => {
        if (socket.readyState === CONNECTING) socket.fail(); // "closed before the connection was established"
        close(code, reason);
      };
      return socket;
    } as unknown as typeof fake.WebSocket;
    const { ws, clock } = await setup({ connectionTimeout: 500, WebSocket: WsPackageLike });
    const messages: string[] = [];
    ws.addEventListener("error", (event) => messages.push(event.message));
    clock.advance(500);
    expect(messages).toEqual(["TIMEOUT"]);
    ws.close();
  });

  it("startClosed: no socket and CLOSED until reconnect()", async () => {
    const { ws, fake, clock } = await setup({ startClosed: true });
    expect(ws.readyState).toBe(CLOSED);
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(0);
    ws.send("waiting");
    ws.reconnect();
    await flush();
    expect(ws.readyState).toBe(CONNECTING);
    fake.last().open();
    expect(fake.last().sent).toEqual(["waiting"]);
    ws.close();
  });
});

describe("url and protocols providers", () => {
  it("functions are called before every attempt and their values used together", async () => {
    let n = 0;
    const { ws, fake, clock } = await setup({}, { url: () => `ws://lifeline.test/ws?attempt=${++n}`, protocols: () => [`v${n}`] });
    expect(ws.url).toBe("ws://lifeline.test/ws?attempt=1");
    fake.last().fail();
    await nextTimer(clock);
    expect(fake.sockets.map((s) => [s.url, s.protocols])).toEqual([
      ["ws://lifeline.test/ws?attempt=1", ["v1"]],
      ["ws://lifeline.test/ws?attempt=2", ["v2"]],
    ]);
    expect(ws.url).toBe("ws://lifeline.test/ws?attempt=2");
    ws.close();
  });

  it("async providers: CONNECTING while they resolve, url is empty until the first one has", async () => {
    let token = 0;
    let resolve!: () => void;
    const ready = new Promise<void>((r) => (resolve = r));
    const { ws, fake } = await setup(
      {},
      { url: async () => `ws://lifeline.test/ws?token=${++token}`, protocols: () => ready.then(() => "chat") },
    );
    expect(ws.url).toBe("");
    expect(ws.readyState).toBe(CONNECTING);
    expect(fake.sockets).toHaveLength(0);
    resolve();
    await flush();
    expect(fake.sockets.map((s) => [s.url, s.protocols])).toEqual([["ws://lifeline.test/ws?token=1", "chat"]]);
    expect(ws.url).toBe("ws://lifeline.test/ws?token=1");
    ws.close();
  });

  it("a provider that throws fails the attempt with the error on the error event, and is retried", async () => {
    let calls = 0;
    const { ws, fake, clock, log } = await setup(
      {},
      {
        url: () => {
          if (++calls === 1) throw new Error("no token yet");
          return TEST_URL;
        },
      },
    );
    // the first attempt starts after the constructor's task: its failure reaches listeners added right after it
    expect(log.types()).toEqual(["error", "close"]);
    expect(String((log.of("error")[0]!.error as Error).message)).toMatch(/no token yet/);
    await nextTimer(clock);
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    ws.close();

    const rejecting = await setup({}, { protocols: () => Promise.reject(new Error("no protocol")) });
    await flush();
    const [error] = rejecting.log.of("error");
    expect(isLifelineError(error?.error) && error.error.code).toBe("URL_ERROR");
    expect(String((error?.error as Error).message)).toMatch(/no protocol/);
    expect(rejecting.log.types()).toEqual(["error", "close"]);
    rejecting.ws.close();
  });

  it("close() while an async url is still resolving: no socket is ever made", async () => {
    let resolve!: (url: string) => void;
    const { ws, fake, clock } = await setup({}, { url: () => new Promise<string>((r) => (resolve = r)) });
    ws.close();
    expect(ws.readyState).toBe(CLOSED);
    resolve(TEST_URL);
    await flush();
    expect(fake.sockets).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    ws.reconnect(); // the abandoned attempt ended without a close event: the next one is CONNECTING all the same
    expect(ws.readyState).toBe(CONNECTING);
    resolve(TEST_URL);
    await flush();
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });
});

describe("the WebSocket constructor", () => {
  it("reads the global WebSocket when connecting, not at import", async () => {
    const fake = createFakeWebSocket();
    vi.stubGlobal("WebSocket", fake.WebSocket);
    const ws = new LifelineWebSocket(TEST_URL, undefined, { ...QUIET, clock: createFakeClock() });
    await flush();
    expect(fake.sockets).toHaveLength(1);
    ws.close();
  });

  it("NO_WEBSOCKET at construction when there is none (startClosed waits until reconnect())", async () => {
    vi.stubGlobal("WebSocket", undefined);
    expect(() => new LifelineWebSocket(TEST_URL)).toThrow(expect.objectContaining({ code: "NO_WEBSOCKET" }));
    const later = new LifelineWebSocket(TEST_URL, undefined, { startClosed: true });
    expect(() => later.reconnect()).toThrow(expect.objectContaining({ code: "NO_WEBSOCKET" }));
    const fake = createFakeWebSocket();
    vi.stubGlobal("WebSocket", fake.WebSocket); // a polyfill installed afterwards
    later.reconnect();
    await flush();
    expect(fake.sockets).toHaveLength(1);
    later.close();
  });

  it("protocol and extensions come from the current socket", async () => {
    const { ws, fake } = await setup();
    expect(ws.protocol).toBe("");
    Object.assign(fake.last(), { protocol: "chat.v2", extensions: "permessage-deflate" });
    fake.last().open();
    expect(ws.protocol).toBe("chat.v2");
    expect(ws.extensions).toBe("permessage-deflate");
    ws.close();
  });
});

describe("the heartbeat", () => {
  it("is lifeline's: ping after silence, a dead line closed (1006, heartbeat timeout) and reconnected", async () => {
    const { ws, fake, clock, log } = await setup({ heartbeat: { interval: 1_000, timeout: 500 } }, { closeCompletes: false });
    fake.last().open();
    clock.advance(1_000);
    expect(fake.last().sent).toEqual(["ping"]);
    clock.advance(500);
    expect(log.of("close")).toEqual([{ type: "close", readyState: CLOSED, code: 1006, reason: "heartbeat timeout", wasClean: false }]);
    expect(log.of("error")).toEqual([]);
    await nextTimer(clock);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.close();
  });

  it("ping and pong frames never reach message listeners; heartbeat: false passes them through", async () => {
    const on = await setup({ heartbeat: { interval: 1_000, timeout: 500 } });
    on.fake.last().open();
    on.fake.last().receive("ping");
    on.fake.last().receive("pong");
    on.fake.last().receive("hello");
    expect(on.log.of("message").map((m) => m.data)).toEqual(["hello"]);
    expect(on.fake.last().sent).toEqual(["pong"]); // the server's ping was answered
    on.ws.close();

    const off = await setup({ heartbeat: false });
    off.fake.last().open();
    off.fake.last().receive("ping");
    off.clock.advance(60_000);
    expect(off.log.of("message").map((m) => m.data)).toEqual(["ping"]);
    expect(off.fake.last().sent).toEqual([]);
    off.ws.close();
  });
});

describe("after close()", () => {
  it("leaves no timer, no live socket and no listener on any socket", async () => {
    const { ws, fake, clock } = await setup({ heartbeat: { interval: 1_000, timeout: 500 } });
    fake.last().open();
    ws.send("x");
    clock.advance(1_000); // a ping is out, its timeout pending
    expect(clock.pending()).toBeGreaterThan(0);
    ws.close();
    expect(clock.pending()).toBe(0);
    expect(fake.live()).toHaveLength(0);
    for (const socket of fake.sockets) expect(socket.listenerCount()).toBe(0);
  });

  it("debug: true logs with console.log(\"RWS>\", event, …) as both peers, starting with (\"connect\", retryCount)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { ws, fake, clock } = await setup({ debug: true });
    fake.last().fail();
    await nextTimer(clock);
    fake.last().open();
    ws.close();
    expect(log.mock.calls[0]).toEqual(["RWS>", "connect", 0]);
    expect(log).toHaveBeenCalledWith("RWS>", "connect", 1);
    expect(log.mock.calls.every((line) => line[0] === "RWS>")).toBe(true);
    expect(log.mock.calls.map((line) => line[1])).toEqual(expect.arrayContaining(["connect", "state", "close", "reconnecting"]));
    log.mockClear();
    const quiet = await setup();
    quiet.fake.last().open();
    quiet.ws.close();
    expect(log).not.toHaveBeenCalled();
  });

  it("debugLogger receives the lines instead of the console", async () => {
    const lines: unknown[][] = [];
    const { ws, fake } = await setup({ debug: true, debugLogger: (...args) => lines.push(args) });
    fake.last().open();
    ws.close();
    expect(lines[0]).toEqual(["RWS>", "connect", 0]);
    expect(lines.map((line) => line[1])).toEqual(expect.arrayContaining(["connect", "state", "close"]));
  });
});
