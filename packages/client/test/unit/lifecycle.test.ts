import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { expectNothingLeft, failAttempts, flushMicrotasks, record, setup, TEST_URL } from "./helpers.js";

describe("states", () => {
  it("walks idle → connecting → open → reconnecting → open → closed, one state event per change", () => {
    const s = setup({ autoConnect: false, backoff: { jitter: "none" } });
    const { clock, fake, client, log } = s;
    expect(client.state).toBe("idle");
    expect(fake.sockets).toHaveLength(0);
    client.connect();
    expect(client.state).toBe("connecting");
    fake.last().open();
    expect(client.state).toBe("open");
    fake.last().serverClose(1001);
    expect(client.state).toBe("reconnecting");
    // the wait, the new socket and its failure all stay "reconnecting"
    clock.advance(500);
    expect(client.state).toBe("reconnecting");
    fake.last().fail();
    clock.advance(1_000);
    fake.last().open();
    client.close();
    expect(client.state).toBe("closed");
    expect(log.of("state")).toEqual([
      { from: "idle", to: "connecting" },
      { from: "connecting", to: "open" },
      { from: "open", to: "reconnecting" },
      { from: "reconnecting", to: "open" },
      { from: "open", to: "closed" },
    ]);
    expectNothingLeft(s);
  });

  it("a failed first connection goes connecting → reconnecting", () => {
    const { fake, client, log } = setup({ autoConnect: false });
    client.connect();
    fake.last().fail();
    expect(log.of("state")).toEqual([
      { from: "idle", to: "connecting" },
      { from: "connecting", to: "reconnecting" },
    ]);
    client.close();
  });

  it("emits events in a fixed order: a close, then the state change it causes, then reconnecting", () => {
    const { fake, client, log } = setup({ autoConnect: false, backoff: { jitter: "none" } });
    client.connect();
    fake.last().open();
    fake.last().serverClose(1001, "bye");
    expect(log.types()).toEqual(["state", "state", "open", "close", "state", "reconnecting"]);
    client.close();
  });

  it("a handler sees the client already in the state its event announces", () => {
    const { fake, client } = setup({ autoConnect: false });
    const seen: string[] = [];
    client.on("state", ({ to }) => seen.push(`${to}:${client.state}`));
    client.on("open", () => seen.push(`open:${client.state}`));
    client.on("close", () => seen.push(`close:${client.state}`));
    client.connect();
    fake.last().open();
    fake.last().serverClose(1001);
    client.close();
    expect(seen).toEqual([
      "connecting:connecting",
      "open:open",
      "open:open",
      // close is raised first but delivered once the client is already waiting
      "close:reconnecting",
      "reconnecting:reconnecting",
      "closed:closed",
    ]);
  });
});

describe("connect()", () => {
  it("starts from idle, and does nothing while connecting or open", () => {
    const { fake, client } = setup({ autoConnect: false });
    client.connect();
    client.connect();
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    client.connect();
    expect(fake.sockets).toHaveLength(1);
    expect(client.state).toBe("open");
    client.close();
  });

  it("starts again after close(), as connecting (not reconnecting)", () => {
    const { fake, client, log } = setup();
    fake.last().open();
    client.close();
    log.clear();
    client.connect();
    expect(fake.sockets).toHaveLength(2);
    expect(log.of("state")).toEqual([{ from: "closed", to: "connecting" }]);
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 1 }]);
    client.close();
  });

  it("does nothing while waiting out a backoff", () => {
    const { fake, client } = setup();
    fake.last().fail();
    client.connect();
    expect(fake.sockets).toHaveLength(1);
    expect(client.state).toBe("reconnecting");
    client.close();
  });
});

describe("listening to the socket", () => {
  it("keeps only close and message listeners once open (each costs ~200 B in Node), and still sees the line break", () => {
    const { fake, client, log } = setup();
    const socket = fake.last();
    expect(socket.listenerCount("error")).toBe(1);
    socket.open();
    expect([socket.listenerCount("open"), socket.listenerCount("error"), socket.listenerCount("close"), socket.listenerCount("message")]).toEqual([0, 0, 1, 1]);
    socket.fail();
    expect(log.of("close")).toEqual([{ code: 1006, reason: "", wasClean: false, willReconnect: true }]);
    expect(client.state).toBe("reconnecting");
    client.close();
  });
});

describe("reconnect()", () => {
  it("drops the open socket and tries at once, without backoff", () => {
    const { fake, client, log } = setup();
    const first = fake.last();
    first.open();
    client.reconnect();
    expect(fake.sockets).toHaveLength(2);
    expect(first.closedWith).toBeDefined();
    expect(first.listenerCount()).toBe(0);
    expect(log.of("close")).toEqual([{ code: 1000, reason: "reconnect", wasClean: true, willReconnect: true }]);
    expect(log.of("reconnecting")).toEqual([]);
    expect(client.state).toBe("reconnecting");
    fake.last().open();
    expect(client.state).toBe("open");
    client.close();
  });

  it("cuts a pending backoff short", () => {
    const { clock, fake, client } = setup({ backoff: { initial: 60_000, max: 60_000, jitter: "none" }, connectTimeout: 1_000_000 });
    fake.last().fail();
    client.reconnect();
    expect(fake.sockets).toHaveLength(2);
    // the old backoff timer is gone: no third socket when it would have fired
    clock.advance(60_000);
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });

  it("replaces an attempt still connecting", () => {
    const { fake, client } = setup();
    const first = fake.last();
    client.reconnect();
    expect(fake.sockets).toHaveLength(2);
    expect(first.listenerCount()).toBe(0);
    expect(fake.live()).toEqual([fake.last()]);
    client.close();
  });

  it("connects from idle or closed", () => {
    const { fake, client } = setup({ autoConnect: false });
    client.reconnect();
    expect(client.state).toBe("connecting");
    client.close();
    client.reconnect();
    expect(client.state).toBe("connecting");
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });
});

describe("close()", () => {
  it("closes the socket with 1000, emits close { willReconnect: false } and leaves nothing behind", () => {
    const s = setup({ heartbeat: { interval: 1_000 } });
    const { fake, client, log } = s;
    fake.last().open();
    client.send("x");
    client.close();
    expect(fake.last().closedWith).toEqual({ code: 1000, reason: "" });
    expect(log.of("close")).toEqual([{ code: 1000, reason: "", wasClean: true, willReconnect: false }]);
    expect(client.state).toBe("closed");
    expectNothingLeft(s);
  });

  it("passes a code and reason to the socket", () => {
    const { fake, client, log } = setup();
    fake.last().open();
    client.close(4000, "logged out");
    expect(fake.last().closedWith).toEqual({ code: 4000, reason: "logged out" });
    expect(log.of("close")).toEqual([{ code: 4000, reason: "logged out", wasClean: true, willReconnect: false }]);
  });

  it("rejects a close code the WebSocket API would refuse", () => {
    const { client } = setup();
    expect(() => client.close(1006)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => client.close(2999)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(client.state).toBe("connecting");
    client.close();
  });

  it("during a backoff: no socket to close, no close event, no timer left", () => {
    const s = setup();
    s.fake.last().fail();
    s.log.clear();
    s.client.close();
    expect(s.log.of("close")).toEqual([]);
    expect(s.log.of("state")).toEqual([{ from: "reconnecting", to: "closed" }]);
    expectNothingLeft(s);
  });

  it("while connecting: the attempt is abandoned", () => {
    const s = setup();
    s.client.close();
    expect(s.log.of("close")).toEqual([{ code: 1000, reason: "", wasClean: true, willReconnect: false }]);
    expectNothingLeft(s);
  });

  it("from idle goes to closed; twice is harmless", () => {
    const s = setup({ autoConnect: false });
    s.client.close();
    s.client.close();
    expect(s.client.state).toBe("closed");
    expect(s.log.of("state")).toEqual([{ from: "idle", to: "closed" }]);
    expect(s.log.of("close")).toEqual([]);
    expectNothingLeft(s);
  });

  it("a close event arriving later from the released socket is ignored", () => {
    const s = setup({}, { closeCompletes: false });
    const first = s.fake.last();
    first.open();
    s.client.close();
    first.serverClose(1006);
    expect(s.log.of("close")).toHaveLength(1);
    expect(s.client.state).toBe("closed");
  });
});

describe("a released socket that keeps calling its listeners (a wrapper whose removeEventListener does nothing)", () => {
  it("its late close and error are ignored: they end neither the new attempt nor the new connection", () => {
    const clock = createFakeClock();
    const fake = createFakeWebSocket({ closeCompletes: false });
    class Sticky extends (fake.WebSocket as new (url: string, protocols?: string | string[]) => InstanceType<typeof fake.WebSocket>) {
      override removeEventListener(): void {}
    }
    const client = createClient({ url: TEST_URL, WebSocket: Sticky, clock, heartbeat: false, backoff: { jitter: "none" } });
    const log = record(client);
    const first = fake.last();
    first.open();
    client.reconnect();
    const second = fake.last();
    expect(second).not.toBe(first);
    log.clear();
    // the first socket's close comes late, while the second is still connecting
    first.serverClose(1006);
    expect(log.all).toEqual([]);
    expect(client.state).toBe("reconnecting");
    second.open();
    client.reconnect();
    fake.last().open();
    log.clear();
    // the second one's failure comes late, after the third is open
    second.fail();
    expect(log.all).toEqual([]);
    expect(client.state).toBe("open");
    expect(fake.sockets).toHaveLength(3);
    client.close();
  });
});

describe("one socket at a time", () => {
  type Command =
    | { kind: "reconnect" }
    | { kind: "close" }
    | { kind: "connect" }
    | { kind: "open" }
    | { kind: "fail" }
    | { kind: "serverClose"; code: number }
    | { kind: "advance"; ms: number }
    | { kind: "send" }
    | { kind: "receive" };

  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.constant({ kind: "reconnect" as const }),
    fc.constant({ kind: "close" as const }),
    fc.constant({ kind: "connect" as const }),
    fc.constant({ kind: "open" as const }),
    fc.constant({ kind: "fail" as const }),
    fc.constantFrom(1000, 1001, 1006, 1008, 4000).map((code) => ({ kind: "serverClose" as const, code })),
    fc.integer({ min: 0, max: 3_000 }).map((ms) => ({ kind: "advance" as const, ms })),
    fc.constant({ kind: "send" as const }),
    fc.constant({ kind: "receive" as const }),
  );

  it("never has more than one live socket under storms of reconnect()/close()/connect() and network events", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), fc.boolean(), (commands, closeCompletes) => {
        const s = setup(
          { backoff: { initial: 100, max: 1_000 }, connectTimeout: 1_500, heartbeat: { interval: 700, timeout: 300 }, random: () => 0.5 },
          { closeCompletes },
        );
        const { clock, fake, client } = s;
        for (const c of commands) {
          const socket = fake.sockets.at(-1);
          switch (c.kind) {
            case "reconnect":
              client.reconnect();
              break;
            case "close":
              client.close();
              break;
            case "connect":
              client.connect();
              break;
            case "open":
              if (socket?.readyState === 0) socket.open();
              break;
            case "fail":
              socket?.fail();
              break;
            case "serverClose":
              socket?.serverClose(c.code);
              break;
            case "advance":
              clock.advance(c.ms);
              break;
            case "send":
              client.send({ at: clock.now() });
              break;
            case "receive":
              if (socket?.readyState === 1) socket.receive('{"hello":1}');
              break;
          }
          expect(fake.live().length).toBeLessThanOrEqual(1);
          // only the current socket may still have the client's listeners
          expect(fake.sockets.filter((x) => x.listenerCount() > 0).length).toBeLessThanOrEqual(1);
          if (client.state === "open") expect(fake.live()).toHaveLength(1);
          if (client.state === "closed" || client.state === "idle") expect(fake.live()).toHaveLength(0);
        }
        client.close();
        expectNothingLeft(s);
      }),
      { numRuns: 300 },
    );
  });

  it("holds with an async url too, whose promises settle between the calls", async () => {
    const step = fc.constantFrom("reconnect", "close", "connect", "open", "fail", "tick", "advance");
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        let n = 0;
        const s = setup({
          // every other url resolves a little later than the one before it
          url: async () => {
            const mine = ++n;
            for (let i = 0; i < mine % 3; i++) await Promise.resolve();
            return `ws://lifeline.test/ws?n=${mine}`;
          },
          backoff: { initial: 100, jitter: "none" },
          connectTimeout: 1_000,
        });
        const { clock, fake, client } = s;
        for (const what of steps) {
          const socket = fake.sockets.at(-1);
          if (what === "reconnect") client.reconnect();
          else if (what === "close") client.close();
          else if (what === "connect") client.connect();
          else if (what === "open" && socket?.readyState === 0 && socket.listenerCount() > 0) socket.open();
          else if (what === "fail") socket?.fail();
          else if (what === "tick") await flushMicrotasks();
          else clock.advance(400);
          expect(fake.live().length).toBeLessThanOrEqual(1);
        }
        client.close();
        await flushMicrotasks();
        expectNothingLeft(s);
      }),
      { numRuns: 200 },
    );
  });

  it("a burst of reconnect() calls leaves exactly the last socket", () => {
    const { fake, client } = setup();
    fake.last().open();
    for (let i = 0; i < 50; i++) client.reconnect();
    expect(fake.sockets).toHaveLength(51);
    expect(fake.live()).toEqual([fake.last()]);
    fake.last().open();
    expect(client.state).toBe("open");
    client.close();
  });
});

describe("url functions", () => {
  it("are called before every attempt, so each attempt gets a fresh token", () => {
    let token = 0;
    const { clock, fake, client } = setup({ url: () => `ws://lifeline.test/ws?token=${++token}`, backoff: { jitter: "none" } });
    failAttempts({ clock, fake }, 2);
    expect(fake.sockets.map((s) => s.url)).toEqual([
      "ws://lifeline.test/ws?token=1",
      "ws://lifeline.test/ws?token=2",
      "ws://lifeline.test/ws?token=3",
    ]);
    client.close();
  });

  it("may be async", async () => {
    const { fake, client, log } = setup({ url: async () => new URL("http://lifeline.test/async") });
    expect(fake.sockets).toHaveLength(0);
    expect(client.state).toBe("connecting");
    await flushMicrotasks();
    expect(fake.last().url).toBe("ws://lifeline.test/async");
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 1 }]);
    client.close();
  });

  it("a slow url resolving after close() creates no socket", async () => {
    let resolve!: (url: string) => void;
    const s = setup({ url: () => new Promise<string>((r) => (resolve = r)) });
    s.client.close();
    resolve(TEST_URL);
    await flushMicrotasks();
    expect(s.fake.sockets).toHaveLength(0);
    expect(s.client.state).toBe("closed");
    expectNothingLeft(s);
  });

  it("a slow url for an attempt replaced by reconnect() is ignored", async () => {
    const resolvers: Array<(url: string) => void> = [];
    const { fake, client } = setup({ url: () => new Promise<string>((r) => resolvers.push(r)) });
    client.reconnect();
    expect(resolvers).toHaveLength(2);
    resolvers[0]!("ws://lifeline.test/stale");
    resolvers[1]!("ws://lifeline.test/fresh");
    await flushMicrotasks();
    expect(fake.sockets.map((s) => s.url)).toEqual(["ws://lifeline.test/fresh"]);
    client.close();
  });

  it("a url that never resolves is abandoned at connectTimeout", async () => {
    const { clock, fake, client, log } = setup({ url: () => new Promise<string>(() => {}), connectTimeout: 1_000 });
    clock.advance(1_000);
    expect(log.of("close")).toMatchObject([{ reason: "connect timeout", willReconnect: true }]);
    expect(fake.sockets).toHaveLength(0);
    client.close();
  });

  it.each([
    [
      "throws",
      () => {
        throw new Error("no token");
      },
    ],
    ["rejects", () => Promise.reject(new Error("no token"))],
    ["returns a bad scheme", () => "ftp://lifeline.test/ws"],
    ["resolves to a bad scheme", async () => "gopher://lifeline.test/ws"],
  ])("that %s: error event URL_ERROR, close event, and a retry", async (_, url) => {
    let calls = 0;
    const { clock, fake, client, log } = setup({
      url: () => (++calls === 1 ? url() : TEST_URL),
      backoff: { jitter: "none" },
      autoConnect: false,
    });
    client.connect();
    await flushMicrotasks();
    expect(log.of("error")).toMatchObject([{ code: "URL_ERROR", name: "LifelineError" }]);
    expect(log.of("close")).toEqual([{ code: 1006, reason: "url error", wasClean: false, willReconnect: true }]);
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 500 }]);
    expect(fake.sockets).toHaveLength(0);
    clock.advance(500);
    await flushMicrotasks();
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    expect(client.state).toBe("open");
    client.close();
  });

  it("a constructor that throws counts as a failed attempt", () => {
    const clock = createFakeClock();
    const fake = createFakeWebSocket();
    let n = 0;
    class Flaky extends (fake.WebSocket as new (url: string, protocols?: string | string[]) => InstanceType<typeof fake.WebSocket>) {
      constructor(url: string, protocols?: string | string[]) {
        if (++n === 1) throw new SyntaxError("bad url");
        super(url, protocols);
      }
    }
    const client = createClient({ url: TEST_URL, WebSocket: Flaky, clock, backoff: { jitter: "none" }, autoConnect: false });
    const log = record(client);
    client.connect();
    expect(client.state).toBe("reconnecting");
    expect(log.of("error")).toMatchObject([{ code: "URL_ERROR", cause: expect.any(SyntaxError) }]);
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 500 }]);
    clock.advance(500);
    expect(fake.sockets).toHaveLength(1);
    client.close();
  });

  it("a constructor error that quotes the url's credentials or query alone is passed on masked, without the raw error as cause", () => {
    const clock = createFakeClock();
    // a runtime whose error quotes pieces of the url, not the whole of it
    class Quoting {
      constructor() {
        throw new SyntaxError("refused user:secret@ with query ?token=abc123");
      }
    }
    const client = createClient({ url: "ws://user:secret@lifeline.test/ws?token=abc123", WebSocket: Quoting as never, clock, backoff: { jitter: "none" }, autoConnect: false });
    const log = record(client);
    client.connect();
    const [error] = log.of("error");
    expect(error).toMatchObject({ code: "URL_ERROR" });
    expect(error!.message).toBe("cannot open a WebSocket to ws://***@lifeline.test/ws?***: refused ***@ with query ?***");
    expect(error!.cause).toBeUndefined();
    client.close();
  });
});

describe("opened()", () => {
  it("resolves at the next open", async () => {
    const { fake, client } = setup();
    let done = false;
    const p = client.opened().then(() => (done = true));
    await flushMicrotasks();
    expect(done).toBe(false);
    fake.last().open();
    await p;
    expect(done).toBe(true);
    client.close();
  });

  it("resolves at once when open", async () => {
    const { fake, client } = setup();
    fake.last().open();
    let done = false;
    void client.opened().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(true);
    client.close();
  });

  it("waits through failed attempts for the open", async () => {
    const { clock, fake, client } = setup();
    const p = client.opened();
    failAttempts({ clock, fake }, 3);
    fake.last().open();
    await expect(p).resolves.toBeUndefined();
    client.close();
  });

  it("rejects with CLOSED when the client closes first, and at once when closed", async () => {
    const { client } = setup();
    const p = client.opened();
    client.close();
    await expect(p).rejects.toMatchObject({ code: "CLOSED", name: "LifelineError" });
    await expect(client.opened()).rejects.toMatchObject({ code: "CLOSED" });
  });
});

describe("dispose", () => {
  it("`using` closes the client at the end of the block", () => {
    const clock = createFakeClock();
    const fake = createFakeWebSocket();
    let seen: ReturnType<typeof createClient> | undefined;
    {
      using client = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock });
      fake.last().open();
      seen = client;
      expect(client.state).toBe("open");
    }
    expect(seen.state).toBe("closed");
    expectNothingLeft({ clock, fake });
  });

  it("`await using` closes it through Symbol.asyncDispose", async () => {
    const clock = createFakeClock();
    const fake = createFakeWebSocket();
    let seen: ReturnType<typeof createClient> | undefined;
    {
      await using client = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock });
      seen = client;
    }
    expect(seen.state).toBe("closed");
    expectNothingLeft({ clock, fake });
  });

  it("Symbol.dispose and Symbol.asyncDispose are callable directly", async () => {
    const a = setup();
    a.client[Symbol.dispose]();
    expect(a.client.state).toBe("closed");
    const b = setup();
    await expect(b.client[Symbol.asyncDispose]()).resolves.toBeUndefined();
    expect(b.client.state).toBe("closed");
  });
});
