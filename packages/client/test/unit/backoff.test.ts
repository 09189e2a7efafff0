import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { advisedDelay, backoffCap, backoffDelay } from "../../src/core/retry.js";
import { defaultShouldReconnect } from "../../src/index.js";
import type { ResolvedBackoff } from "../../src/core/types.js";
import { expectNothingLeft, failAttempts, setup } from "./helpers.js";

const ALMOST_ONE = 0.9999999999;

function backoff(overrides: Partial<ResolvedBackoff> = {}): ResolvedBackoff {
  return { initial: 500, max: 30_000, factor: 2, jitter: "none", resetAfter: 5_000, ...overrides };
}

describe("backoff delays (pure)", () => {
  it('with jitter "none" doubles from 500 and stops at max', () => {
    const delays = Array.from({ length: 10 }, (_, i) => backoffDelay(backoff(), i + 1, () => 0.5));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it("applies factor and max", () => {
    const b = backoff({ initial: 100, factor: 3, max: 1_000 });
    expect([1, 2, 3, 4, 5].map((n) => backoffCap(b, n))).toEqual([100, 300, 900, 1_000, 1_000]);
  });

  it('"full" spans [0, cap]: 0 for random() = 0, the cap for random() → 1', () => {
    const b = backoff({ jitter: "full" });
    for (const n of [1, 2, 5, 7, 20]) {
      const cap = backoffCap(b, n);
      expect(backoffDelay(b, n, () => 0)).toBe(0);
      expect(backoffDelay(b, n, () => ALMOST_ONE)).toBe(cap);
      expect(backoffDelay(b, n, () => 0.5)).toBe(cap / 2);
    }
  });

  it('"equal" spans [cap/2, cap]', () => {
    const b = backoff({ jitter: "equal" });
    for (const n of [1, 2, 5, 7, 20]) {
      const cap = backoffCap(b, n);
      expect(backoffDelay(b, n, () => 0)).toBe(cap / 2);
      expect(backoffDelay(b, n, () => ALMOST_ONE)).toBe(cap);
    }
  });

  it("stays within the bounds of its mode for any random value and retry", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        (r, n, initial, factor) => {
          const full = backoff({ jitter: "full", initial, factor });
          const cap = backoffCap(full, n);
          expect(cap).toBeLessThanOrEqual(30_000);
          const f = backoffDelay(full, n, () => r);
          expect(f).toBeGreaterThanOrEqual(0);
          expect(f).toBeLessThanOrEqual(cap + 0.5);
          const e = backoffDelay({ ...full, jitter: "equal" }, n, () => r);
          expect(e).toBeGreaterThanOrEqual(cap / 2 - 0.5);
          expect(e).toBeLessThanOrEqual(cap + 0.5);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("reconnecting with backoff", () => {
  it('emits reconnecting { attempt, delay } with the exact "none" sequence and waits exactly that long', () => {
    const s = setup({ backoff: { jitter: "none" } });
    const { clock, fake, client, log } = s;
    const expected = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
    for (const [i, delay] of expected.entries()) {
      fake.last().fail();
      expect(log.of("reconnecting").at(-1)).toEqual({ attempt: i + 1, delay });
      const before = fake.sockets.length;
      clock.advance(delay - 1);
      expect(fake.sockets).toHaveLength(before);
      clock.advance(1);
      expect(fake.sockets).toHaveLength(before + 1);
    }
    expect(log.of("reconnecting").map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    client.close();
  });

  it.each([
    ["full", 0, [0, 0, 0]],
    ["full", ALMOST_ONE, [500, 1_000, 2_000]],
    ["equal", 0, [250, 500, 1_000]],
    ["equal", ALMOST_ONE, [500, 1_000, 2_000]],
  ] as const)("jitter %s with random() = %d gives %j", (jitter, r, delays) => {
    const { clock, fake, client, log } = setup({ backoff: { jitter }, random: () => r });
    failAttempts({ clock, fake }, 3);
    expect(log.of("reconnecting").map((e) => e.delay)).toEqual(delays);
    client.close();
  });

  it("draws each delay from the injected random", () => {
    const values = [0.1, 0.9, 0.5];
    const { clock, fake, client, log } = setup({ backoff: { jitter: "full" }, random: () => values.shift() ?? 0 });
    failAttempts({ clock, fake }, 3);
    expect(log.of("reconnecting").map((e) => e.delay)).toEqual([50, 900, 1_000]);
    client.close();
  });

  it("open { attempt } is the attempt that opened: 1, then retries + 1", () => {
    const { clock, fake, client, log } = setup({ backoff: { jitter: "none" } });
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 1 }]);
    fake.last().serverClose(1006);
    clock.advance(500);
    fake.last().fail();
    clock.advance(1_000);
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 1 }, { attempt: 3 }]);
    client.close();
  });
});

describe("resetAfter", () => {
  it("counts a connection that drops before resetAfter as a failure", () => {
    const { clock, fake, client, log } = setup({ backoff: { jitter: "none", resetAfter: 5_000 } });
    fake.last().fail(); // retry 1
    clock.advance(500);
    fake.last().open();
    clock.advance(4_999);
    fake.last().serverClose(1001);
    // still in a row: retry 2, not retry 1
    expect(log.of("reconnecting")).toEqual([
      { attempt: 1, delay: 500 },
      { attempt: 2, delay: 1_000 },
    ]);
    clock.advance(1_000);
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 2 }, { attempt: 3 }]);
    client.close();
  });

  it("restarts the count once a connection stayed open resetAfter ms", () => {
    const { clock, fake, client, log } = setup({ backoff: { jitter: "none", resetAfter: 5_000 } });
    failAttempts({ clock, fake }, 3); // retries 1..3
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 4 }]);
    clock.advance(5_000);
    fake.last().serverClose(1001);
    expect(log.of("reconnecting").at(-1)).toEqual({ attempt: 1, delay: 500 });
    clock.advance(500);
    fake.last().open();
    expect(log.of("open").at(-1)).toEqual({ attempt: 2 });
    client.close();
  });

  it("also resets maxRetries: failures before a stable connection do not count against the next outage", () => {
    const { clock, fake, client } = setup({ backoff: { jitter: "none", resetAfter: 1_000 }, maxRetries: 2 });
    failAttempts({ clock, fake }, 2);
    fake.last().open();
    clock.advance(1_000);
    fake.last().serverClose(1006);
    failAttempts({ clock, fake }, 2);
    expect(client.state).toBe("reconnecting");
    fake.last().fail();
    expect(client.state).toBe("closed");
  });
});

describe("maxRetries", () => {
  it("gives up after the third failed retry with maxRetries 3", async () => {
    const s = setup({ backoff: { jitter: "none" }, maxRetries: 3 });
    const { clock, fake, client, log } = s;
    failAttempts({ clock, fake }, 3); // the first connection, retry 1 and retry 2 fail
    const opened = client.opened();
    expect(client.state).toBe("reconnecting");
    fake.last().fail(); // retry 3 fails
    expect(fake.sockets).toHaveLength(4);
    expect(log.of("reconnecting").map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(client.state).toBe("closed");
    expect(log.of("close").map((c) => c.willReconnect)).toEqual([true, true, true, false]);
    expect(log.of("state").at(-1)).toEqual({ from: "reconnecting", to: "closed" });
    // giving up says so: how many attempts, and the last close
    await expect(opened).rejects.toMatchObject({ code: "GAVE_UP", message: expect.stringMatching(/4 attempts.*1006/) });
    await expect(client.opened()).rejects.toMatchObject({ code: "GAVE_UP" });
    expectNothingLeft(s);
    clock.advance(1_000_000);
    expect(fake.sockets).toHaveLength(4);
  });

  it("maxRetries 0 gives up on the first failure", () => {
    const s = setup({ maxRetries: 0 });
    s.fake.last().fail();
    expect(s.client.state).toBe("closed");
    expect(s.log.of("reconnecting")).toEqual([]);
    expect(s.log.of("close")).toEqual([{ code: 1006, reason: "", wasClean: false, willReconnect: false }]);
    expectNothingLeft(s);
  });

  it("connect() after giving up starts over with a fresh count", () => {
    const { clock, fake, client, log } = setup({ backoff: { jitter: "none" }, maxRetries: 1 });
    failAttempts({ clock, fake }, 1);
    fake.last().fail();
    expect(client.state).toBe("closed");
    client.connect();
    expect(client.state).toBe("connecting");
    fake.last().fail();
    expect(log.of("reconnecting").at(-1)).toEqual({ attempt: 1, delay: 500 });
    client.close();
  });
});

describe("connectTimeout", () => {
  it("abandons an attempt that does not open in time, releases its socket and counts a failure", () => {
    const s = setup({ connectTimeout: 2_000, backoff: { jitter: "none" }, maxRetries: 1 });
    const { clock, fake, client, log } = s;
    const first = fake.last();
    clock.advance(1_999);
    expect(log.of("close")).toEqual([]);
    clock.advance(1);
    expect(log.of("close")).toEqual([{ code: 1006, reason: "connect timeout", wasClean: false, willReconnect: true }]);
    expect(first.closedWith).toBeDefined();
    expect(first.listenerCount()).toBe(0);
    expect(fake.live()).toHaveLength(0);
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 500 }]);
    clock.advance(500);
    expect(fake.sockets).toHaveLength(2);
    // the retry times out too: that is the second failure, and maxRetries 1 gives up
    clock.advance(2_000);
    expect(client.state).toBe("closed");
    expect(log.of("close").at(-1)).toMatchObject({ reason: "connect timeout", willReconnect: false });
    expectNothingLeft(s);
  });

  it("a late open of an abandoned socket is ignored", () => {
    const { clock, fake, client, log } = setup({ connectTimeout: 1_000, backoff: { jitter: "none" } });
    const first = fake.last();
    clock.advance(1_000);
    // the fake's socket is CLOSED after close(); a real one may still report open: simulate by re-dispatch
    first.readyState = 0;
    first.open();
    expect(log.of("open")).toEqual([]);
    expect(client.state).toBe("reconnecting");
    client.close();
  });

  it("does not fire once the socket opened", () => {
    const { clock, fake, client, log } = setup({ connectTimeout: 1_000, heartbeat: false });
    fake.last().open();
    clock.advance(10_000);
    expect(log.of("close")).toEqual([]);
    expect(client.state).toBe("open");
    client.close();
  });
});

describe("shouldReconnect", () => {
  const stops = [1002, 1003, 1007, 1008, 1009, 1010, 4400, 4450, 4499];
  const reconnects = [1000, 1001, 1006, 1011, 1012, 4000, 4399, 4500, 4999];

  it.each(stops)("the default stops after close code %i", (code) => {
    const s = setup();
    s.fake.last().open();
    s.fake.last().serverClose(code, "no");
    expect(s.client.state).toBe("closed");
    expect(s.log.of("close")).toEqual([{ code, reason: "no", wasClean: code !== 1006, willReconnect: false }]);
    expectNothingLeft(s);
  });

  it.each(reconnects)("the default reconnects after close code %i", (code) => {
    const { fake, client, log } = setup();
    fake.last().open();
    fake.last().serverClose(code);
    expect(client.state).toBe("reconnecting");
    expect(log.of("close")).toMatchObject([{ code, willReconnect: true }]);
    client.close();
  });

  it("defaultShouldReconnect is exported and agrees", () => {
    for (const code of stops) expect(defaultShouldReconnect({ code, reason: "", wasClean: true })).toBe(false);
    for (const code of reconnects) expect(defaultShouldReconnect({ code, reason: "", wasClean: true })).toBe(true);
  });

  it("a custom one is called with { code, reason, wasClean } and decides", () => {
    const calls: unknown[] = [];
    const { fake, client, log } = setup({
      shouldReconnect: (close) => {
        calls.push(close);
        return close.code !== 4001;
      },
    });
    fake.last().open();
    fake.last().serverClose(1002, "protocol", true);
    // the custom policy overrides the default's "stop on 1002"
    expect(client.state).toBe("reconnecting");
    expect(calls).toEqual([{ code: 1002, reason: "protocol", wasClean: true }]);
    client.reconnect();
    fake.last().open();
    fake.last().serverClose(4001, "banned", true);
    expect(calls.at(-1)).toEqual({ code: 4001, reason: "banned", wasClean: true });
    expect(client.state).toBe("closed");
    expect(log.of("close").at(-1)).toEqual({ code: 4001, reason: "banned", wasClean: true, willReconnect: false });
  });

  it("sees failed attempts as 1006, not clean", () => {
    const calls: unknown[] = [];
    const { fake, client } = setup({ shouldReconnect: (c) => (calls.push(c), true) });
    fake.last().fail();
    expect(calls).toEqual([{ code: 1006, reason: "", wasClean: false }]);
    client.close();
  });

  it("a shouldReconnect that throws is reported and the client stops", () => {
    const s = setup({
      shouldReconnect: () => {
        throw new Error("policy bug");
      },
    });
    s.fake.last().open();
    s.fake.last().serverClose(1001);
    expect(s.log.of("error")).toMatchObject([{ code: "HANDLER_ERROR" }]);
    expect(s.client.state).toBe("closed");
    expectNothingLeft(s);
  });

  it("maps a code outside the protocol's range (Deno's 0) to 1006", () => {
    const { fake, client, log } = setup();
    fake.last().open();
    fake.last().serverClose(0, "", false);
    expect(log.of("close")).toMatchObject([{ code: 1006, willReconnect: true }]);
    client.close();
  });
});

describe("server-advised backoff (1013 with retryAfter)", () => {
  it("reads retryAfter from a 1013 close's reason, and nothing from anything else", () => {
    expect(advisedDelay({ code: 1013, reason: '{"retryAfter":2500}', wasClean: true })).toBe(2_500);
    expect(advisedDelay({ code: 1013, reason: "busy", wasClean: true })).toBe(0);
    expect(advisedDelay({ code: 1013, reason: '{"retryAfter":-5}', wasClean: true })).toBe(0);
    expect(advisedDelay({ code: 1013, reason: "null", wasClean: true })).toBe(0);
    expect(advisedDelay({ code: 1001, reason: '{"retryAfter":2500}', wasClean: true })).toBe(0);
  });

  it("waits at least retryAfter, plus the jittered delay, before the next attempt", () => {
    const { clock, fake, client, log } = setup({ random: () => 0.5 });
    fake.last().open();
    fake.last().serverClose(1013, JSON.stringify({ retryAfter: 4_000 }));
    // retry 1: cap 500 ms, full jitter at 0.5 → 250 ms, on top of the advised 4 s
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 4_250 }]);
    clock.advance(4_249);
    expect(fake.sockets).toHaveLength(1);
    clock.advance(1);
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });
});
