import { describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";

describe("smoke", () => {
  it("connects, queues, flushes, reconnects with backoff", () => {
    const clock = createFakeClock();
    const fake = createFakeWebSocket();
    const events: string[] = [];
    const client = createClient({ url: "ws://x/ws", WebSocket: fake.WebSocket, clock, backoff: { jitter: "none" } });
    client.on("state", (e) => events.push(`${e.from}->${e.to}`));
    client.on("reconnecting", (e) => events.push(`retry ${e.attempt} ${e.delay}`));
    client.on("error", (e) => events.push(e.code));
    expect(client.state).toBe("connecting");
    expect(client.send({ a: 1 })).toBe("queued");
    fake.last().open();
    expect(fake.last().sent).toEqual(['{"a":1}']);
    expect(client.send({ a: 2 })).toBe("sent");
    fake.last().serverClose(1000);
    expect(client.state).toBe("reconnecting");
    clock.advance(500);
    expect(fake.sockets).toHaveLength(2);
    fake.last().fail();
    clock.advance(999);
    expect(fake.sockets).toHaveLength(2);
    clock.advance(1);
    expect(fake.sockets).toHaveLength(3);
    client.close();
    expect(clock.pending()).toBe(0);
    // createClient's own idle → connecting reaches handlers attached right after it; the failed retry says CONNECT_FAILED
    expect(events).toEqual(["idle->connecting", "connecting->open", "open->reconnecting", "retry 1 500", "CONNECT_FAILED", "retry 2 1000", "reconnecting->closed"]);
  });
});
