// What a user meets on a server of their own (issue 20): a heartbeat that
// never keeps dropping a healthy line, errors that never vanish, options
// checked as users get them wrong. Fake socket and clock throughout.
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { createClient, isLifelineError } from "../../src/index.js";
import type { ClientOptions, LifelineError } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { flushMicrotasks, record, sentJson, setup, TEST_URL } from "./helpers.js";

const HB = { heartbeat: { interval: 1_000, timeout: 500 }, backoff: { jitter: "none" as const, initial: 100 } };

/** A client whose server never answered two pings in a row (one reconnect spent on the first): it stopped pinging. */
function silenced() {
  const kit = setup(HB);
  kit.fake.last().open();
  kit.clock.advance(1_000 + 500 + 100);
  kit.fake.last().open();
  kit.clock.advance(1_000 + 500);
  return kit;
}

describe("heartbeat against a server that does not speak it", () => {
  it("costs at most one reconnect, then one HEARTBEAT_UNANSWERED, no more pings, and the line is kept", () => {
    const { clock, fake, client, log } = setup(HB);
    fake.last().open();
    // a server that never answers: the first silence is taken for a dead line (once)
    clock.advance(1_000 + 500);
    expect(log.of("close")).toMatchObject([{ reason: "heartbeat timeout", willReconnect: true }]);
    clock.advance(100);
    expect(fake.sockets).toHaveLength(2);
    const second = fake.last();
    second.open();
    clock.advance(1_000);
    expect(second.sent).toEqual(["ping"]);
    clock.advance(500);
    // the second unanswered ping: the server does not speak the heartbeat
    const errors = log.of("error");
    expect(errors.map((e) => e.code)).toEqual(["HEARTBEAT_UNANSWERED"]);
    expect(errors[0]!.message).toMatch(/heartbeat/);
    expect(errors[0]!.message).toContain('"ping"');
    expect(errors[0]!.message).toContain('"pong"');
    expect(client.state).toBe("open");
    expect(fake.sockets).toHaveLength(2);
    // an hour of silence later: no ping, no reconnect, one error
    clock.advance(3_600_000);
    expect(second.sent).toEqual(["ping"]);
    expect(fake.sockets).toHaveLength(2);
    expect(log.of("close")).toHaveLength(1);
    expect(log.of("error")).toHaveLength(1);
    // traffic still flows, and a server ping is still answered
    second.receive('{"n":1}');
    second.receive("ping");
    expect(log.of("message")).toEqual([{ n: 1 }]);
    expect(second.sent).toEqual(["ping", "pong"]);
    expect(clock.pending()).toBe(0);
    client.close();
  });

  it("only a pong counts as an answer: other frames keep the line alive but do not calibrate", () => {
    const { clock, fake, client, log } = setup(HB);
    fake.last().open();
    clock.advance(1_000);
    fake.last().receive('{"n":1}'); // not a pong
    clock.advance(1_500);
    expect(log.of("close")).toMatchObject([{ reason: "heartbeat timeout" }]);
    clock.advance(100);
    fake.last().open();
    clock.advance(1_000);
    fake.last().receive('{"n":2}');
    clock.advance(1_500);
    expect(log.of("error").map((e) => e.code)).toEqual(["HEARTBEAT_UNANSWERED"]);
    client.close();
  });

  it("stays quiet on the next connections too (until close() + connect())", () => {
    const { clock, fake, client, log } = silenced();
    expect(log.of("error").map((e) => e.code)).toEqual(["HEARTBEAT_UNANSWERED"]);
    // the server restarts: a new line to the same server, which still does not speak the heartbeat
    fake.last().serverClose(1012, "restart");
    clock.advance(clock.nextDue()! - clock.now());
    expect(fake.sockets).toHaveLength(3);
    fake.last().open();
    clock.advance(60_000);
    expect(fake.last().sent).toEqual([]);
    expect(log.of("error")).toHaveLength(1);
    client.close();
  });

  it("close() + connect() starts the heartbeat again", () => {
    const { clock, fake, client, log } = silenced();
    expect(log.of("error")).toHaveLength(1);
    client.close();
    client.connect();
    fake.last().open();
    clock.advance(1_000);
    expect(fake.last().sent).toEqual(["ping"]);
    client.close();
  });

  it("a server that answered once is declared dead in time when it stops (interval + timeout)", () => {
    const { clock, fake, client, log } = setup(HB);
    fake.last().open();
    clock.advance(1_000);
    fake.last().receive("pong");
    // answered: from now on a missing pong is a dead line, every time
    for (let round = 0; round < 3; round++) {
      const socket = fake.last();
      clock.advance(1_000);
      expect(socket.sent.at(-1)).toBe("ping");
      clock.advance(499);
      expect(log.of("close")).toHaveLength(round);
      clock.advance(1);
      expect(log.of("close")).toHaveLength(round + 1);
      expect(log.of("close").at(-1)).toMatchObject({ reason: "heartbeat timeout", willReconnect: true });
      clock.advance(100 * 2 ** round);
      fake.last().open();
    }
    expect(log.of("error").filter((e) => e.code === "HEARTBEAT_UNANSWERED")).toEqual([]);
    client.close();
  });
});

describe("the first attempt's events reach handlers attached after createClient()", () => {
  it("a url function that throws: URL_ERROR, close, state, and opened() rejects GAVE_UP", async () => {
    const fake = createFakeWebSocket();
    const client = createClient({
      url: () => {
        throw new Error("no token yet");
      },
      WebSocket: fake.WebSocket,
      clock: createFakeClock(),
      maxRetries: 0,
    });
    const log = record(client);
    const opened = client.opened();
    await flushMicrotasks();
    expect(log.types()).toEqual(["state", "error", "close", "state"]);
    expect(log.of("error")[0]).toMatchObject({ code: "URL_ERROR", message: expect.stringContaining("no token yet") });
    await expect(opened).rejects.toMatchObject({ code: "GAVE_UP", message: expect.stringMatching(/1 attempt\b/) });
  });

  it("a refused first attempt (maxRetries 0): CONNECT_FAILED naming the url without secrets and the attempt", async () => {
    const fake = createFakeWebSocket();
    const client = createClient({ url: "ws://user:secret@lifeline.test/ws?token=abc", WebSocket: fake.WebSocket, clock: createFakeClock(), maxRetries: 0 });
    const log = record(client);
    fake.last().fail();
    expect(log.types()).toEqual(["state", "error", "close", "state"]);
    const [error] = log.of("error");
    expect(error).toMatchObject({ code: "CONNECT_FAILED" });
    expect(error!.message).toContain("lifeline.test/ws");
    expect(error!.message).toContain("attempt 1");
    expect(error!.message).not.toMatch(/secret|abc/);
    expect(log.of("close")).toEqual([{ code: 1006, reason: "", wasClean: false, willReconnect: false }]);
  });

  it("every failed attempt says CONNECT_FAILED with its number; a connect timeout says CONNECT_TIMEOUT", () => {
    const { clock, fake, client, log } = setup({ backoff: { jitter: "none" }, connectTimeout: 1_000 });
    fake.last().fail();
    clock.advance(500);
    fake.last().serverClose(1006);
    clock.advance(1_000);
    clock.advance(1_000); // the third attempt times out
    expect(log.of("error").map((e) => [e.code, e.message.match(/attempt (\d+)/)?.[1]])).toEqual([
      ["CONNECT_FAILED", "1"],
      ["CONNECT_FAILED", "2"],
      ["CONNECT_TIMEOUT", "3"],
    ]);
    client.close();
  });
});

describe("an error nobody hears", () => {
  it("goes to console.warn in development builds, once per code per client", () => {
    const seen: unknown[][] = [];
    // fail-on-console spies on console.warn: take over its next call, and fail if a second one comes
    vi.mocked(console.warn).mockImplementationOnce((...args: unknown[]) => void seen.push(args));
    const fake = createFakeWebSocket();
    const clock = createFakeClock();
    const client = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock, backoff: { jitter: "none" } });
    fake.last().fail();
    clock.advance(500);
    fake.last().fail();
    expect(seen).toHaveLength(1);
    expect(String(seen[0]![0])).toMatch(/CONNECT_FAILED/);
    client.close();
  });
});

describe("options checked as users get them wrong", () => {
  const create = (options: Record<string, unknown>) => () =>
    createClient({ url: TEST_URL, WebSocket: createFakeWebSocket().WebSocket, clock: createFakeClock(), autoConnect: false, ...options } as ClientOptions);
  const thrown = (fn: () => unknown): LifelineError => {
    try {
      fn();
    } catch (error) {
      expect(isLifelineError(error)).toBe(true);
      return error as LifelineError;
    }
    throw new Error("expected a throw");
  };

  it.each([
    ["minReconnectionDelay", "backoff.initial"],
    ["maxReconnectionDelay", "backoff.max"],
    ["reconnectDelay", "backoff.initial"],
    ["connectionTimeout", "connectTimeout"],
    ["maxEnqueuedMessages", "queue.max"],
  ])("refuses %s, naming %s", (name, lifeline) => {
    const error = thrown(create({ [name]: 1000 }));
    expect(error.code).toBe("INVALID_OPTIONS");
    expect(error.message).toContain(name);
    expect(error.message).toContain(lifeline);
  });

  it("refuses an unknown name, top-level or nested, whatever its value", () => {
    expect(thrown(create({ reconectDelay: 5 })).message).toMatch(/reconectDelay.*not an option/);
    // a function, the value an unknown name most often carries (another library's callback)
    expect(thrown(create({ onmessage: () => {} })).message).toMatch(/onmessage/);
    expect(thrown(create({ backoff: { intial: 5 } })).message).toMatch(/backoff\.intial/);
  });

  it("refuses backoff.initial above backoff.max, naming both and their values", () => {
    const error = thrown(create({ backoff: { initial: 5_000, max: 1_000 } }));
    expect(error.message).toMatch(/backoff\.initial.*5000.*backoff\.max.*1000/);
  });

  it('shows values as given: "" as ""', () => {
    expect(thrown(create({ url: "" })).message).toMatch(/got ""$/);
    expect(thrown(create({ heartbeat: { ping: "" } })).message).toMatch(/heartbeat\.ping .*got ""$/);
  });
});

describe("invalid.data is the application's message", () => {
  it("with atLeastOnce(): the data of the envelope, not the envelope", () => {
    const { fake, client, log } = setup({ delivery: atLeastOnce(), incoming: z.object({ text: z.string() }), heartbeat: false });
    fake.last().open();
    fake.last().receive('{"t":"ack","seq":0}');
    fake.last().receive(JSON.stringify({ t: "msg", seq: 1, data: { text: 5 } }));
    expect(log.of("invalid")).toHaveLength(1);
    expect(log.of("invalid")[0]!.data).toEqual({ text: 5 });
    client.close();
  });
});

describe("session ids", () => {
  it("come from crypto, not Math.random nor the random option: two clients with both pinned get distinct ids", () => {
    const pinned = vi.spyOn(Math, "random").mockReturnValue(0.5);
    const ids = [0, 1].map(() => {
      const { fake, client } = setup({ delivery: atLeastOnce(), random: () => 0.5, heartbeat: false });
      fake.last().open();
      const hello = sentJson(fake.last())[0] as { session: string };
      client.close();
      return hello.session;
    });
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(ids[0]).not.toBe(ids[1]);
    pinned.mockRestore();
  });
});

describe("debug", () => {
  it("a function gets one line per state change, attempt, close and error; nothing for messages", async () => {
    const lines: string[] = [];
    const { clock, fake, client } = setup({ debug: (line: string) => lines.push(line), backoff: { jitter: "none" } });
    await flushMicrotasks();
    fake.last().open();
    fake.last().receive('{"n":1}');
    fake.last().fail();
    clock.advance(500);
    client.close();
    expect(lines.map((line) => line.split(" ")[1])).toEqual(["state", "state", "open", "close", "state", "reconnecting", "close", "state"]);
    expect(lines.every((line) => line.startsWith("lifeline "))).toBe(true);
  });

  it("true writes to console.debug", () => {
    const seen: unknown[] = [];
    const failOnConsole = vi.mocked(console.debug).getMockImplementation();
    vi.mocked(console.debug).mockImplementation((line: unknown) => void seen.push(line));
    try {
      const { client } = setup({ debug: true, autoConnect: false });
      client.connect();
      client.close();
    } finally {
      vi.mocked(console.debug).mockImplementation(failOnConsole!);
    }
    expect(seen).toEqual([
      'lifeline state {"from":"idle","to":"connecting"}',
      'lifeline close {"code":1000,"reason":"","wasClean":true,"willReconnect":false}',
      'lifeline state {"from":"connecting","to":"closed"}',
    ]);
  });

  it("is off by default (fail-on-console would see any line)", () => {
    const { fake, client } = setup({ backoff: { jitter: "none" } });
    fake.last().open();
    client.close();
  });
});
