// The testing kit is public (`@lifeline/client/testing`): its own behaviour is
// part of the contract users build their tests on.
import { describe, expect, it } from "vitest";
import { CLOSED, CLOSING, CONNECTING, createFakeClock, createFakeWebSocket, OPEN } from "../../src/testing.js";

describe("createFakeClock", () => {
  it("runs due timers in order of due time, then of creation, and only when advanced", () => {
    const clock = createFakeClock(1_000);
    const ran: string[] = [];
    clock.setTimeout(() => ran.push("b@200"), 200);
    clock.setTimeout(() => ran.push("a@100"), 100);
    clock.setTimeout(() => ran.push("c@200"), 200);
    expect(clock.now()).toBe(1_000);
    expect(clock.pending()).toBe(3);
    expect(clock.nextDue()).toBe(1_100);
    clock.advance(99);
    expect(ran).toEqual([]);
    clock.advance(101);
    expect(ran).toEqual(["a@100", "b@200", "c@200"]);
    expect(clock.now()).toBe(1_200);
    expect(clock.pending()).toBe(0);
    expect(clock.nextDue()).toBeUndefined();
  });

  it("shows each callback the time it was due, and runs timers scheduled by timers", () => {
    const clock = createFakeClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 50);
    }, 100);
    clock.advance(1_000);
    expect(seen).toEqual([100, 150]);
    expect(clock.now()).toBe(1_000);
  });

  it("clearTimeout cancels", () => {
    const clock = createFakeClock();
    let ran = false;
    const handle = clock.setTimeout(() => (ran = true), 10);
    clock.clearTimeout(handle);
    clock.advance(100);
    expect(ran).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it("jump() moves time without running timers; the next advance runs them late", () => {
    const clock = createFakeClock();
    const at: number[] = [];
    clock.setTimeout(() => at.push(clock.now()), 100);
    clock.jump(5_000);
    expect(at).toEqual([]);
    clock.advance(0);
    expect(at).toEqual([5_000]);
  });
});

describe("createFakeWebSocket", () => {
  it("records sockets, frames and the close the client asked for", () => {
    const fake = createFakeWebSocket();
    expect(() => fake.last()).toThrow();
    const ws = new fake.WebSocket("ws://kit.test/", ["p"]);
    expect(fake.sockets).toHaveLength(1);
    expect(fake.last()).toBe(ws);
    expect(ws.readyState).toBe(CONNECTING);
    expect(() => ws.send("too early")).toThrow(/CONNECTING/);
    const events: string[] = [];
    const listener = (e: { type: string; data?: unknown; code?: number }) => events.push(`${e.type}${e.data ?? ""}${e.code ?? ""}`);
    for (const type of ["open", "message", "close", "error"]) ws.addEventListener(type, listener);
    fake.last().open();
    expect(ws.readyState).toBe(OPEN);
    ws.send("hello");
    fake.last().receive("world");
    expect(fake.last().sent).toEqual(["hello"]);
    ws.close(4000, "bye");
    expect(fake.last().closedWith).toEqual({ code: 4000, reason: "bye" });
    expect(ws.readyState).toBe(CLOSED);
    expect(events).toEqual(["open", "messageworld", "close4000"]);
    expect(fake.last().listenerCount()).toBe(4);
    ws.removeEventListener("open", listener);
    expect(fake.last().listenerCount("open")).toBe(0);
  });

  it("fails like Node 22: error only, no close, for a refused attempt and for close() while connecting", () => {
    const fake = createFakeWebSocket();
    for (const end of ["fail", "close"] as const) {
      const ws = new fake.WebSocket("ws://kit.test/");
      const events: string[] = [];
      ws.addEventListener("error", () => events.push("error"));
      ws.addEventListener("close", () => events.push("close"));
      if (end === "fail") fake.last().fail();
      else ws.close();
      expect(events).toEqual(["error"]);
      expect(ws.readyState).toBe(CLOSED);
    }
  });

  it("a line that breaks once open fires error, then close 1006 (not clean), as every runtime does", () => {
    const fake = createFakeWebSocket();
    const ws = new fake.WebSocket("ws://kit.test/");
    const events: string[] = [];
    ws.addEventListener("error", () => events.push("error"));
    ws.addEventListener("close", (e: { code: number; wasClean: boolean }) => events.push(`close ${e.code} ${e.wasClean}`));
    fake.last().open();
    fake.last().fail();
    expect(events).toEqual(["error", "close 1006 false"]);
    expect(ws.readyState).toBe(CLOSED);
  });

  it("closeCompletes: false plays a half-open peer: close() never completes", () => {
    const fake = createFakeWebSocket({ closeCompletes: false });
    const ws = new fake.WebSocket("ws://kit.test/");
    let closed = false;
    ws.addEventListener("close", () => (closed = true));
    fake.last().open();
    ws.close();
    expect(ws.readyState).toBe(CLOSING);
    expect(closed).toBe(false);
  });

  it("live() lists sockets connecting or open that still have listeners", () => {
    const fake = createFakeWebSocket();
    const a = new fake.WebSocket("ws://kit.test/a");
    const b = new fake.WebSocket("ws://kit.test/b");
    const noop = () => {};
    a.addEventListener("open", noop);
    b.addEventListener("open", noop);
    expect(fake.live()).toEqual([a, b]);
    a.removeEventListener("open", noop);
    fake.sockets[1]!.serverClose(1001);
    expect(fake.live()).toEqual([]);
  });
});
