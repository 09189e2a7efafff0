import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, isLifelineError } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";

function setup(extra: Record<string, unknown> = {}) {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const client = createClient({
    url: "ws://test/ws",
    WebSocket: fake.WebSocket,
    clock,
    delivery: "at-least-once",
    heartbeat: false,
    backoff: { jitter: "none" },
    ...extra,
  });
  const frames = (i = fake.sockets.length - 1) => fake.sockets[i]!.sent.map((f) => JSON.parse(f as string));
  return { clock, fake, client, frames };
}

describe('delivery: "at-least-once"', () => {
  it("opens every connection with hello, then sends numbered envelopes", () => {
    const { fake, client, frames } = setup();
    expect(client.send({ n: 1 })).toBe("queued");
    fake.last().open();
    expect(client.send({ n: 2 })).toBe("sent");
    expect(frames()).toEqual([
      { t: "hello", session: client.session, ack: 0 },
      { t: "msg", seq: 1, data: { n: 1 } },
      { t: "msg", seq: 2, data: { n: 2 } },
    ]);
  });

  it("keeps messages until a cumulative ack, and reports them delivered", () => {
    const { fake, client } = setup();
    const delivered: unknown[] = [];
    client.on("delivered", (e) => delivered.push(e));
    fake.last().open();
    for (let n = 1; n <= 3; n++) client.send({ n });
    expect(client.pending).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    fake.last().receive(JSON.stringify({ t: "ack", seq: 2 }));
    expect(client.pending).toEqual([{ n: 3 }]);
    expect(delivered).toEqual([{ messages: [{ n: 1 }, { n: 2 }], seq: 2 }]);
  });

  it("resends every unacknowledged message in order after a reconnect, before newer ones, in the same session", () => {
    const { fake, client, clock, frames } = setup();
    fake.last().open();
    const session = client.session;
    client.send({ n: 1 });
    client.send({ n: 2 });
    fake.last().receive(JSON.stringify({ t: "ack", seq: 1 }));
    fake.last().serverClose(1006);
    client.send({ n: 3 });
    clock.advance(500);
    fake.last().open();
    client.send({ n: 4 });
    expect(frames()).toEqual([
      { t: "hello", session, ack: 0 },
      { t: "msg", seq: 2, data: { n: 2 } },
      { t: "msg", seq: 3, data: { n: 3 } },
      { t: "msg", seq: 4, data: { n: 4 } },
    ]);
  });

  it("unwraps incoming envelopes, validates the data and skips replayed sequence numbers", () => {
    const { fake, client, clock, frames } = setup({ incoming: z.object({ text: z.string() }) });
    const got: unknown[] = [];
    const invalid: unknown[] = [];
    client.on("message", (m) => got.push(m));
    client.on("invalid", (e) => invalid.push(e.data));
    fake.last().open();
    fake.last().receive(JSON.stringify({ t: "msg", seq: 1, data: { text: "a" } }));
    fake.last().receive(JSON.stringify({ t: "msg", seq: 1, data: { text: "a" } }));
    fake.last().receive(JSON.stringify({ t: "msg", data: { text: 5 } }));
    fake.last().receive(JSON.stringify({ text: "no envelope" }));
    expect(got).toEqual([{ text: "a" }]);
    expect(invalid).toHaveLength(2);
    fake.last().serverClose(1001);
    clock.advance(500);
    fake.last().open();
    expect(frames()[0]).toEqual({ t: "hello", session: client.session, ack: 1 });
  });

  it("keeps the session across close()+connect() while messages are unacknowledged, and starts a new one when none are", () => {
    const { fake, client } = setup();
    fake.last().open();
    const first = client.session;
    client.send({ n: 1 });
    client.close();
    client.connect();
    expect(client.session).toBe(first);
    fake.last().open();
    fake.last().receive(JSON.stringify({ t: "ack", seq: 1 }));
    client.close();
    client.connect();
    expect(client.session).not.toBe(first);
  });

  it("correlates request() replies through the envelope's re", async () => {
    const { fake, client, frames } = setup();
    fake.last().open();
    const reply = client.request({ q: "time" });
    const req = frames().at(-1);
    expect(req).toMatchObject({ t: "req", seq: 1, data: { q: "time" } });
    fake.last().receive(JSON.stringify({ t: "msg", re: req.id, data: { now: 1 } }));
    await expect(reply).resolves.toEqual({ now: 1 });
  });

  it("rejects a custom codec", () => {
    try {
      setup({ codec: { encode: String, decode: String } });
      expect.unreachable();
    } catch (error) {
      expect(isLifelineError(error) && error.code).toBe("INVALID_OPTIONS");
    }
  });
});
