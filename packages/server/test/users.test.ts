// Sessions belong to someone, checked as an attacker would try it: a raw
// `ws` client of another user sends the hello by hand with a stolen session
// id, on one node and on the other node of a fleet sharing a real Redis.
// It must read nothing (no message, no ack count), and the owner's
// connection must not be disturbed. sendToUser reaches each of a user's
// sessions once, wherever they are connected, and those away on replay.
import { afterEach, describe, expect, it } from "vitest";
import type { LifelineServerOptions } from "../src/index.js";
import { deploymentsPerTest } from "./deployments.js";
import { ackOf, isReset, msgOf, rawClient, roundTrip } from "./helpers.js";
import type { Frame, Harness, RawClient } from "./helpers.js";

const seen: Array<[string | undefined, string, unknown]> = [];

const options = (): LifelineServerOptions => ({ onMessage: ({ user, session }, data) => void seen.push([user, session, data]) });

/** Two nodes: the same one twice (memory store), or two sharing one Redis. */
const { pairs, skipped, start } = deploymentsPerTest(options);

/** A raw client of `user` (none: anonymous) that said hello for `session` and got its ack. */
async function hello(node: Harness, user: string | undefined, session: string, ack = 0, resume = false): Promise<RawClient> {
  const c = await rawClient(user === undefined ? node.url : `${node.url}/?user=${user}`);
  c.send({ t: "hello", session, ack, ...(resume && { resume }) });
  await c.next((f) => typeof f === "object" && (f.t === "ack" || f.t === "reset"));
  return c;
}

const protocolFrames = (c: RawClient) => c.frames.filter((f): f is Frame => typeof f === "object");

afterEach(() => {
  seen.length = 0;
});

for (const [name, deploy] of Object.entries(pairs)) {
  describe.skipIf(skipped(name))(`users, ${name}`, () => {
    it("a stolen session id reads nothing and knocks no one off, while the owner is connected and while it is away", async () => {
      const [a, b] = await deploy();
      const alice = await hello(a, "alice", "alice-1");
      alice.send({ t: "msg", seq: 1, data: "mine" });
      await alice.next(ackOf(1));
      expect(await a.lifeline.send("alice-1", { secret: 1 })).toEqual({ ok: true, seq: 1 });
      await alice.next(msgOf(1));

      // while alice is connected: every kind of hello from another user, and from an anonymous connection
      const tries = [
        { user: "mallory", ack: 0, resume: true },
        { user: "mallory", ack: 0, resume: false },
        { user: "mallory", ack: 1, resume: true },
        { user: undefined, ack: 0, resume: true },
      ];
      for (const t of tries) {
        const thief = await hello(b, t.user, "alice-1", t.ack, t.resume);
        // and what a thief would send right after, before reading the answer
        thief.send({ t: "msg", seq: 2, data: "forged" });
        thief.send({ t: "ack", seq: 1 });
        await roundTrip(thief);
        expect(protocolFrames(thief)).toEqual([{ t: "reset", reason: "unknown-session" }]);
        await thief.close();
      }
      // alice's line is untouched: still open, still served, her ack count unmoved by the forged frames
      expect(alice.ws.readyState).toBe(alice.ws.OPEN);
      await b.lifeline.send("alice-1", { secret: 2 });
      await alice.next(msgOf(2));
      alice.send({ t: "msg", seq: 2, data: "still mine" });
      await alice.next(ackOf(2));
      expect(alice.of("reset")).toEqual([]);

      // while alice is away: a message waits for her; the thief still gets nothing of it
      alice.send({ t: "ack", seq: 2 });
      await roundTrip(alice);
      await alice.close();
      await a.lifeline.send("alice-1", { secret: 3 });
      const thief = await hello(b, "mallory", "alice-1", 0, true);
      await roundTrip(thief);
      expect(protocolFrames(thief)).toEqual([{ t: "reset", reason: "unknown-session" }]);
      await thief.close();
      // alice comes back (to the other node) and gets it, once
      const back = await hello(b, "alice", "alice-1", 2, true);
      expect(back.of("ack")[0]).toEqual({ t: "ack", seq: 2 });
      await back.next(msgOf(3));
      expect(back.of("msg")).toEqual([{ t: "msg", seq: 3, data: { secret: 3 } }]);
      await back.close();
      expect(seen).toEqual([
        ["alice", "alice-1", "mine"],
        ["alice", "alice-1", "still mine"],
      ]);
      expect(await a.lifeline.store.inspect("alice-1")).toMatchObject({ user: "alice", inbound: 2 });
    });

    it("sendToUser reaches each of the user's sessions once, wherever they are connected, and replays to those away", async () => {
      const [a, b] = await deploy();
      const onA = await hello(a, "alice", "alice-a");
      const onB = await hello(b, "alice", "alice-b");
      const away = await hello(a, "alice", "alice-away");
      await away.close();
      const bob = await hello(b, "bob", "bob-1");
      expect(new Set(await a.lifeline.sessionsOf("alice"))).toEqual(new Set(["alice-a", "alice-b", "alice-away"]));
      expect(new Set(await b.lifeline.sessionsOf("alice"))).toEqual(new Set(["alice-a", "alice-b", "alice-away"]));
      expect(await b.lifeline.sessionsOf("bob")).toEqual(["bob-1"]);

      expect(await b.lifeline.sendToUser("alice", { n: 1 })).toEqual({ ok: true, sessions: 3 });
      expect(await a.lifeline.sendToUser("alice", { n: 2 })).toEqual({ ok: true, sessions: 3 });
      expect(await a.lifeline.sendToUser("nobody", { n: 0 })).toEqual({ ok: true, sessions: 0 });
      for (const c of [onA, onB]) {
        await c.next(msgOf(2));
        await roundTrip(c);
        expect(c.of("msg")).toEqual([
          { t: "msg", seq: 1, data: { n: 1 } },
          { t: "msg", seq: 2, data: { n: 2 } },
        ]);
      }
      const back = await hello(b, "alice", "alice-away", 0, true);
      await back.next(msgOf(2));
      await roundTrip(back);
      expect(back.of("msg").map((f) => f.data)).toEqual([{ n: 1 }, { n: 2 }]);
      await roundTrip(bob);
      expect(bob.of("msg")).toEqual([]);
      await expect(a.lifeline.sendToUser("", 1)).rejects.toThrow("user must be a non-empty string");
      await expect(a.lifeline.sendToUser("alice", () => {})).rejects.toThrow("data must be JSON-serialisable");
      for (const c of [onA, onB, back, bob]) await c.close();
    });
  });
}

describe("users, one node", () => {
  it("onConnect, onDisconnect and onMessage know the user; each onConnect is followed by one onDisconnect", async () => {
    const events: unknown[] = [];
    const h = await start({
      onConnect: (c) => void events.push(["connect", c]),
      onDisconnect: (c) => void events.push(["disconnect", c]),
      onMessage: ({ user, session, seq }) => void events.push(["message", { user, session, seq }]),
    });
    const first = await hello(h, "alice", "s1");
    first.send({ t: "msg", seq: 1, data: 0 });
    await first.next(ackOf(1));
    await first.close();
    const again = await hello(h, "alice", "s1", 0, true);
    // a newer connection for the session takes it over: the old one is disconnected first
    const newer = await hello(h, "alice", "s1", 0, true);
    await again.closed;
    await newer.close();
    const anonymous = await hello(h, undefined, "s2");
    await anonymous.close();
    for (let i = 0; i < 100 && events.length < 9; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toEqual([
      ["connect", { session: "s1", user: "alice", resumed: false }],
      ["message", { user: "alice", session: "s1", seq: 1 }],
      ["disconnect", { session: "s1", user: "alice" }],
      ["connect", { session: "s1", user: "alice", resumed: true }],
      ["disconnect", { session: "s1", user: "alice" }],
      ["connect", { session: "s1", user: "alice", resumed: true }],
      ["disconnect", { session: "s1", user: "alice" }],
      ["connect", { session: "s2", user: undefined, resumed: false }],
      ["disconnect", { session: "s2", user: undefined }],
    ]);
  });

  it("a hook that throws or rejects goes to onError; the connection goes on", async () => {
    const errors: unknown[] = [];
    const h = await start({
      onConnect: () => {
        throw new Error("connect hook");
      },
      onDisconnect: () => Promise.reject(new Error("disconnect hook")),
      onError: (error, context) => void errors.push([(error as Error).message, context]),
    });
    const c = await hello(h, "alice", "s1");
    c.send({ t: "msg", seq: 1, data: 0 });
    await c.next(ackOf(1));
    await c.close();
    for (let i = 0; i < 100 && errors.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toEqual([
      ["connect hook", { source: "onConnect", session: "s1" }],
      ["disconnect hook", { source: "onDisconnect", session: "s1" }],
    ]);
  });

  it("one more session than limits.sessionsPerUser ends the least recently active one with reset evicted; the new one is kept", async () => {
    const h = await start({ limits: { sessionsPerUser: 2 } });
    const one = await hello(h, "alice", "a1");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const two = await hello(h, "alice", "a2");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const bob = await hello(h, "bob", "b1");
    const three = await hello(h, "alice", "a3");
    await one.next(isReset);
    expect(one.of("reset")).toEqual([{ t: "reset", reason: "evicted" }]);
    for (const c of [two, three, bob]) {
      await roundTrip(c);
      expect(c.of("reset")).toEqual([]);
    }
    expect(await h.lifeline.sessionsOf("alice")).toEqual(["a2", "a3"]);
    expect(await h.lifeline.sendToUser("alice", "hi")).toEqual({ ok: true, sessions: 2 });
    for (const c of [one, two, three, bob]) await c.close();
  });

  it("validates the user and the limits", async () => {
    const h = await start();
    const transport = { send: () => {}, close: () => {} };
    expect(() => h.lifeline.connect(transport, { user: "" })).toThrow("user must be a non-empty string, got ");
    expect(() => h.lifeline.connect(transport, { user: 42 as unknown as string })).toThrow("user must be a non-empty string, got 42");
    await expect(h.lifeline.sessionsOf("")).rejects.toThrow("user must be a non-empty string");
    const { createLifelineServer } = await import("../src/index.js");
    expect(() => createLifelineServer({ limits: { sessionsPerUser: 0 } })).toThrow("limits.sessionsPerUser must be a positive integer (or Infinity), got 0");
    expect(() => createLifelineServer({ limits: { bufferedBytes: -1 } })).toThrow("limits.bufferedBytes must be a positive integer (or Infinity), got -1");
  });
});
