import { describe, expect, it } from "vitest";
import { expectNothingLeft, setup } from "./helpers.js";

// interval 1 s, timeout 500 ms; resetAfter long enough not to add timers of its own mid-test
const HB = { heartbeat: { interval: 1_000, timeout: 500 }, backoff: { jitter: "none" as const, resetAfter: 100 } };

function opened(options = {}, kit: { closeCompletes?: boolean } = {}) {
  const s = setup({ ...HB, ...options }, kit);
  s.fake.last().open();
  return s;
}

describe("heartbeat", () => {
  it("pings after `interval` of silence", () => {
    const { clock, fake, client } = opened();
    clock.advance(999);
    expect(fake.last().sent).toEqual([]);
    clock.advance(1);
    expect(fake.last().sent).toEqual(["ping"]);
    client.close();
  });

  it("counts any incoming frame as life and defers the ping", () => {
    const { clock, fake, client } = opened();
    clock.advance(600);
    fake.last().receive('{"n":1}');
    clock.advance(999);
    expect(fake.last().sent).toEqual([]);
    clock.advance(1);
    // 1 000 ms after the last frame
    expect(clock.now()).toBe(1_600);
    expect(fake.last().sent).toEqual(["ping"]);
    client.close();
  });

  it("after a frame early in the interval, waits the silence left instead of pinging at the interval", () => {
    const { clock, fake, client } = opened();
    clock.advance(300);
    fake.last().receive('{"n":1}');
    // the timer fires at 1 000 with 700 ms of silence: not yet
    clock.advance(700);
    expect(fake.last().sent).toEqual([]);
    clock.advance(299);
    expect(fake.last().sent).toEqual([]);
    clock.advance(1);
    expect(clock.now()).toBe(1_300);
    expect(fake.last().sent).toEqual(["ping"]);
    client.close();
  });

  it("never pings a server that keeps talking", () => {
    const { clock, fake, client } = opened();
    for (let i = 0; i < 100; i++) {
      clock.advance(900);
      fake.last().receive(`{"n":${i}}`);
    }
    expect(fake.last().sent).toEqual([]);
    expect(client.state).toBe("open");
    client.close();
  });

  it("keeps the line while pongs come in time, pinging again after each silence", () => {
    const { clock, fake, client, log } = opened();
    for (let round = 1; round <= 5; round++) {
      clock.advance(1_000);
      expect(fake.last().sent).toHaveLength(round);
      clock.advance(499);
      fake.last().receive("pong");
    }
    expect(fake.last().sent).toEqual(["ping", "ping", "ping", "ping", "ping"]);
    expect(log.of("heartbeat")).toHaveLength(5);
    expect(log.of("close")).toEqual([]);
    expect(client.state).toBe("open");
    client.close();
  });

  it("any frame, not only a pong, answers a ping", () => {
    const { clock, fake, client } = opened();
    clock.advance(1_000);
    fake.last().receive('{"busy":true}');
    clock.advance(500);
    expect(client.state).toBe("open");
    client.close();
  });

  it("declares the line dead after `timeout` without a frame: close reason 'heartbeat timeout', then a reconnect", () => {
    const { clock, fake, client, log } = opened();
    const dead = fake.last();
    clock.advance(1_000);
    clock.advance(499);
    expect(client.state).toBe("open");
    clock.advance(1);
    expect(log.of("close")).toEqual([{ code: 1006, reason: "heartbeat timeout", wasClean: false, willReconnect: true }]);
    expect(dead.closedWith).toEqual({ code: 1000, reason: "heartbeat timeout" });
    expect(client.state).toBe("reconnecting");
    expect(log.of("reconnecting")).toEqual([{ attempt: 1, delay: 500 }]);
    clock.advance(500);
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });

  it("releases a dead socket at once, without waiting for a close that a half-open peer never sends", () => {
    const s = opened({}, { closeCompletes: false });
    const { clock, fake, client, log } = s;
    const dead = fake.last();
    clock.advance(1_500);
    // the socket never reported close, yet the client stopped listening and moved on
    expect(dead.readyState).toBe(2);
    expect(dead.listenerCount()).toBe(0);
    expect(fake.live()).toHaveLength(0);
    expect(client.state).toBe("reconnecting");
    clock.advance(500);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(log.of("open")).toEqual([{ attempt: 1 }, { attempt: 2 }]);
    // the old socket's close arriving late changes nothing
    dead.serverClose(1006);
    expect(client.state).toBe("open");
    expect(log.of("close")).toHaveLength(1);
    client.close();
    expectNothingLeft(s);
  });

  it("reconnects after a heartbeat timeout even when shouldReconnect would say no", () => {
    const { clock, client, log } = opened({ shouldReconnect: () => false });
    clock.advance(1_500);
    expect(log.of("close")).toMatchObject([{ reason: "heartbeat timeout", willReconnect: true }]);
    expect(client.state).toBe("reconnecting");
    client.close();
  });

  it("a heartbeat timeout still counts against maxRetries", () => {
    const s = opened({ maxRetries: 0 });
    s.clock.advance(1_500);
    expect(s.log.of("close")).toMatchObject([{ reason: "heartbeat timeout", willReconnect: false }]);
    expect(s.client.state).toBe("closed");
    expectNothingLeft(s);
  });

  it("answers the server's ping with pong; neither reaches message handlers", () => {
    const { fake, client, log } = opened();
    fake.last().receive("ping");
    expect(fake.last().sent).toEqual(["pong"]);
    fake.last().receive("pong");
    expect(log.of("message")).toEqual([]);
    expect(log.of("invalid")).toEqual([]);
    // an unsolicited pong gives no round trip
    expect(log.of("heartbeat")).toEqual([]);
    client.close();
  });

  it("ping and pong stay out of the async iterator too", async () => {
    const { fake, client } = opened();
    const iterator = client[Symbol.asyncIterator]();
    fake.last().receive("ping");
    fake.last().receive('{"real":true}');
    client.close();
    await expect(iterator.next()).resolves.toEqual({ value: { real: true }, done: false });
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it("measures the round trip: heartbeat { rtt } and client.latency", () => {
    const { clock, fake, client, log } = opened();
    expect(client.latency).toBeUndefined();
    clock.advance(1_000);
    clock.advance(120);
    fake.last().receive("pong");
    expect(log.of("heartbeat")).toEqual([{ rtt: 120 }]);
    expect(client.latency).toBe(120);
    clock.advance(1_000);
    clock.advance(35);
    fake.last().receive("pong");
    expect(log.of("heartbeat")).toEqual([{ rtt: 120 }, { rtt: 35 }]);
    expect(client.latency).toBe(35);
    client.close();
  });

  it("a timeout that fires more than 1 s late (the device slept) re-pings instead of killing the line", () => {
    const { clock, fake, client, log } = opened();
    clock.advance(1_000);
    expect(fake.last().sent).toEqual(["ping"]);
    // the device sleeps for a minute; the timeout timer fires on wake, far past its due time
    clock.jump(60_000);
    clock.advance(0);
    expect(client.state).toBe("open");
    expect(log.of("close")).toEqual([]);
    expect(fake.last().sent).toEqual(["ping", "ping"]);
    fake.last().receive("pong");
    clock.advance(600);
    expect(client.state).toBe("open");
    client.close();
  });

  it("after a wake, an unanswered re-ping still ends the line after `timeout`", () => {
    const { clock, fake, client, log } = opened();
    clock.advance(1_000);
    clock.jump(60_000);
    clock.advance(0);
    expect(fake.last().sent).toEqual(["ping", "ping"]);
    clock.advance(499);
    expect(client.state).toBe("open");
    clock.advance(1);
    expect(log.of("close")).toMatchObject([{ reason: "heartbeat timeout" }]);
    client.close();
  });

  it("a timeout that fires less than 1 s late is a real timeout", () => {
    const { clock, client, log } = opened();
    clock.advance(1_000);
    clock.jump(1_400); // due at +500, runs at +1 400: 900 ms late
    clock.advance(0);
    expect(log.of("close")).toMatchObject([{ reason: "heartbeat timeout" }]);
    client.close();
  });

  it("an idle timer that fires late checks the line at once, even if a frame just arrived", () => {
    const { clock, fake, client } = opened({ heartbeat: { interval: 10_000, timeout: 500 } });
    clock.advance(2_000);
    // the device sleeps past the idle timer; on wake a buffered frame is read before the timer runs
    clock.jump(30_000);
    fake.last().receive('{"n":1}');
    clock.advance(0);
    // without the wake check the fresh frame would defer the ping by a whole interval
    expect(fake.last().sent).toEqual(["ping"]);
    client.close();
  });

  it("heartbeat: false sends no ping and treats ping/pong as ordinary frames", () => {
    const { clock, fake, client, log } = opened({ heartbeat: false });
    clock.advance(1_000_000);
    expect(fake.last().sent).toEqual([]);
    expect(client.state).toBe("open");
    // resetAfter fired long ago: no timer at all is left while open
    expect(clock.pending()).toBe(0);
    fake.last().receive("ping");
    expect(fake.last().sent).toEqual([]);
    // "ping" is not JSON, so the default codec reports it as invalid
    expect(log.of("invalid")).toMatchObject([{ data: "ping" }]);
    fake.last().receive('"pong"');
    expect(log.of("message")).toEqual(["pong"]);
    client.close();
  });

  it("uses custom ping/pong strings", () => {
    const { clock, fake, client, log } = opened({ heartbeat: { interval: 1_000, timeout: 500, ping: "PING?", pong: "PONG!" } });
    clock.advance(1_000);
    expect(fake.last().sent).toEqual(["PING?"]);
    clock.advance(40);
    fake.last().receive("PONG!");
    expect(log.of("heartbeat")).toEqual([{ rtt: 40 }]);
    fake.last().receive("PING?");
    expect(fake.last().sent).toEqual(["PING?", "PONG!"]);
    // the default strings mean nothing now
    fake.last().receive("ping");
    expect(fake.last().sent).toEqual(["PING?", "PONG!"]);
    expect(log.of("invalid")).toMatchObject([{ data: "ping" }]);
    expect(log.of("message")).toEqual([]);
    client.close();
  });

  it("stops with the connection: no ping on a socket that is gone", () => {
    const { clock, fake, client } = opened({ backoff: { initial: 60_000, max: 60_000, jitter: "none" } });
    const first = fake.last();
    first.serverClose(1001);
    clock.advance(50_000);
    expect(first.sent).toEqual([]);
    client.close();
  });

  it("starts afresh on each connection", () => {
    const { clock, fake, client } = opened();
    clock.advance(900);
    client.reconnect();
    fake.last().open();
    clock.advance(999);
    expect(fake.last().sent).toEqual([]);
    clock.advance(1);
    expect(fake.last().sent).toEqual(["ping"]);
    client.close();
  });
});
