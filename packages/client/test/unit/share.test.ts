import { describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { request } from "../../src/request/index.js";
import { acrossTabs } from "../../src/share/index.js";
import type { Role } from "../../src/share/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { CATCH_UP_MS } from "../../src/share/session.js";
import type { FakeSocket, FakeWebSocketKit } from "../../src/testing.js";
import { TEST_URL, expectNothingLeft } from "./helpers.js";
import { NAME, browser, session, settle } from "./share-harness.js";
import type { Tab } from "./share-harness.js";
import { createDelivery } from "@lifeline/test-server";

/** Sockets the clients still listen to. */
const live = (fake: FakeWebSocketKit) => fake.live();

const texts = (socket: FakeSocket) => socket.sent.map(String);

/** Each tab in `from` sends `{ from: its name, n }`, in that order. */
function sendEach(n: number, from: Record<string, Tab>) {
  for (const [name, tab] of Object.entries(from)) tab.client.send({ from: name, n });
}

describe("acrossTabs(): one socket for every tab", () => {
  it("elects one leader; the other tabs follow through it and mirror its line", async () => {
    const { clock, fake, origin, lead, closeAll } = browser();
    const [a, b, c] = await lead(3);
    expect([a.roles, b.roles, c.roles]).toEqual([["leader"], ["follower"], ["follower"]]);
    // only the leader made a socket
    expect(fake.sockets).toHaveLength(1);
    expect([a.client.state, b.client.state, c.client.state]).toEqual(["connecting", "connecting", "connecting"]);
    fake.last().open();
    await settle();
    expect([a.client.state, b.client.state, c.client.state]).toEqual(["open", "open", "open"]);
    expect(b.log.of("open")).toEqual([{ attempt: 1 }]);
    // the leader's line drops: the followers' lines drop with it, and come back with it
    fake.last().serverClose(1012, "restart");
    await settle();
    expect([b.client.state, c.client.state]).toEqual(["reconnecting", "reconnecting"]);
    expect(b.log.of("close").at(-1)).toMatchObject({ code: 1006, willReconnect: true });
    // the backoffs run out (the followers' first: they find the leader still down)
    for (let i = 0; i < 10 && fake.sockets.length < 2; i++) {
      clock.advance(clock.nextDue()! - clock.now());
      await settle();
    }
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    await settle();
    expect([a.client.state, b.client.state, c.client.state]).toEqual(["open", "open", "open"]);
    expect(origin.holder(`lifeline:${NAME}`)).toBe(a.tab);
    closeAll();
    await settle();
    expect(origin.openChannels()).toBe(0);
    expect(origin.holder(`lifeline:${NAME}`)).toBeUndefined();
  });

  it("writes each tab's messages once, in that tab's order, and confirms them", async () => {
    const { fake, open, closeAll } = browser();
    const a = open();
    await settle();
    const b = open();
    const c = open();
    // queued before anything is open: flushed in order once the shared line is up
    b.client.send({ from: "b", n: 1 });
    c.client.send({ from: "c", n: 1 });
    await settle();
    fake.last().open();
    await settle();
    for (let n = 2; n <= 4; n++) {
      a.client.send({ from: "a", n });
      b.client.send({ from: "b", n });
      c.client.send({ from: "c", n });
    }
    expect(b.client.pending.length).toBeGreaterThan(0); // handed to the leader, not yet confirmed
    await settle();
    const sent = texts(fake.last()).map((t) => JSON.parse(t) as { from: string; n: number });
    for (const from of ["b", "c"]) expect(sent.filter((m) => m.from === from).map((m) => m.n)).toEqual([1, 2, 3, 4]);
    expect(sent.filter((m) => m.from === "a").map((m) => m.n)).toEqual([2, 3, 4]);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    closeAll();
  });

  it("hands every incoming frame to every tab, each validating with its own schema", async () => {
    const { fake, up, closeAll } = browser();
    const strict = { "~standard": { version: 1, vendor: "test", validate: (v: unknown) => ((v as { ok?: boolean }).ok ? { value: v } : { issues: [{ message: "not ok" }] }) } };
    const [a, b, c] = await up(3, [{}, {}, { incoming: strict as never }]);
    fake.last().receive(JSON.stringify({ ok: true, n: 1 }));
    fake.last().receive(JSON.stringify({ ok: false, n: 2 }));
    await settle();
    expect(a.log.of("message")).toEqual([{ ok: true, n: 1 }, { ok: false, n: 2 }]);
    expect(b.log.of("message")).toEqual([{ ok: true, n: 1 }, { ok: false, n: 2 }]);
    expect(c.log.of("message")).toEqual([{ ok: true, n: 1 }]);
    expect(c.client.state).toBe("open");
    closeAll();
  });

  it("gives a request's reply only to the tab that asked", async () => {
    const { fake, up, closeAll } = browser();
    const [a, b, c] = await up(3);
    const fromB = request(b.client, { type: "get", key: "b" });
    const fromA = request(a.client, { type: "get", key: "a" });
    await settle();
    const asked = texts(fake.last()).map((t) => JSON.parse(t) as { key: string; id: string });
    const idOf = (key: string) => asked.find((m) => m.key === key)!.id;
    fake.last().receive(JSON.stringify({ re: idOf("b"), value: "for b" }));
    fake.last().receive(JSON.stringify({ re: idOf("a"), value: "for a" }));
    await settle();
    await expect(fromB).resolves.toEqual({ re: idOf("b"), value: "for b" });
    await expect(fromA).resolves.toEqual({ re: idOf("a"), value: "for a" });
    // nobody saw someone else's reply as a message
    expect({ a: a.log.of("message"), b: b.log.of("message"), c: c.log.of("message") }).toEqual({ a: [], b: [], c: [] });
    closeAll();
  });

  it("answers a follower's heartbeat in the leader, after the leader's own round trip", async () => {
    const { clock, fake, up, closeAll } = browser();
    const [a, b] = await up(2, [{ heartbeat: { interval: 1_000, timeout: 10_000 } }, { heartbeat: { interval: 3_000, timeout: 10_000 } }]);
    // the leader measures its line: 40 ms
    clock.advance(1_000);
    expect(texts(fake.last())).toEqual(["ping"]);
    clock.advance(40);
    fake.last().receive("pong");
    expect(a.client.latency).toBe(40);
    // the follower pings through the leader, which answers it without the server, after its own round trip
    clock.advance(3_000 - clock.now());
    await settle();
    expect(texts(fake.last())).toEqual(["ping", "ping"]); // the leader's own second ping only
    clock.advance(40);
    await settle();
    expect(b.client.latency).toBe(40);
    expect(b.log.of("heartbeat")).toEqual([{ rtt: 40 }]);
    closeAll();
  });

  it("a follower whose url resolves late still gets what the shared line brought meanwhile", async () => {
    const { fake, open, closeAll } = browser();
    const a = open();
    await settle();
    let resolveUrl: (url: string) => void = () => {};
    const b = open({ url: () => new Promise<string>((resolve) => (resolveUrl = resolve)) });
    await settle();
    fake.last().open();
    await settle();
    resolveUrl(TEST_URL);
    await settle();
    expect(b.client.state).toBe("open");
    // b lets its relay go (reconnect()), and its next url takes a while
    b.client.reconnect();
    fake.last().receive('"while b waits"');
    await settle();
    expect(b.log.of("message")).toEqual([]);
    resolveUrl(TEST_URL);
    await settle();
    fake.last().receive('"after"');
    await settle();
    expect(b.client.state).toBe("open");
    expect(b.log.of("message")).toEqual(["while b waits", "after"]);
    expect(a.log.of("message")).toEqual(["while b waits", "after"]);
    closeAll();
  });

  it("close() in a follower closes only that tab", async () => {
    const { fake, up, closeAll } = browser();
    const [a, b, c] = await up(3);
    b.client.close();
    await settle();
    expect([a.client.state, b.client.state, c.client.state]).toEqual(["open", "closed", "open"]);
    expect(live(fake)).toHaveLength(1);
    c.client.send("still here");
    await settle();
    expect(texts(fake.last())).toEqual(['"still here"']);
    closeAll();
  });
});

describe("acrossTabs(): takeover", () => {
  it("a crashed leader is replaced; what it did not confirm is resent by its tab, nothing lost", async () => {
    const { fake, origin, up, closeAll } = browser();
    const [a, b, c] = await up(3);
    b.client.send("b1");
    c.client.send("c1");
    await settle();
    const first = fake.last();
    expect(texts(first)).toEqual(['"b1"', '"c1"']);
    // handed to the leader, which crashes before reading them
    b.client.send("b2");
    c.client.send("c2");
    a.tab.crash();
    first.serverClose(1006, "", false); // the server sees the tab's socket go
    await settle();
    expect(b.roles).toEqual(["follower", "leader"]);
    expect(fake.sockets).toHaveLength(2);
    expect(b.client.send("b3")).toBe("queued");
    fake.last().open();
    await settle();
    expect(texts(fake.last())).toEqual(['"b2"', '"b3"', '"c2"']);
    expect([b.client.state, c.client.state]).toEqual(["open", "open"]);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    expect(origin.holder(`lifeline:${NAME}`)).toBe(b.tab);
    closeAll();
  });

  it("a confirmation that arrives after the lock (the old leader's last words) spares the resend", async () => {
    const { fake, origin, up, closeAll } = browser();
    const [a, b, c] = await up(3);
    b.client.send("b1");
    c.client.send("c1");
    // the leader writes them and confirms, but its confirmations are slow, the lock is not
    origin.timing.slow = true;
    await settle();
    const first = fake.last();
    expect(texts(first)).toEqual(['"b1"', '"c1"']);
    a.tab.crash();
    first.serverClose(1006, "", false);
    await settle();
    expect(b.roles).toEqual(["follower", "leader"]);
    origin.timing.slow = false;
    await new Promise((resolve) => setImmediate(resolve));
    await settle();
    fake.last().open();
    await settle();
    // nothing to resend: each went out once
    expect(texts(fake.last())).toEqual([]);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    closeAll();
  });

  it("a request in flight during a takeover still gets its reply in the asking tab only", async () => {
    const { fake, up, closeAll } = browser();
    const [a, b, c] = await up(3);
    const fromC = request(c.client, { q: "c" });
    await settle();
    const id = (JSON.parse(String(fake.last().sent[0])) as { id: string }).id;
    // written by the old leader, which dies before the reply comes
    a.tab.crash();
    fake.last().serverClose(1006, "", false);
    await settle();
    expect(b.roles).toEqual(["follower", "leader"]);
    fake.last().open();
    await settle();
    expect(c.client.state).toBe("open");
    // the server answers on the new line
    fake.last().receive(JSON.stringify({ re: id, a: 1 }));
    await settle();
    await expect(fromC).resolves.toEqual({ re: id, a: 1 });
    expect({ b: b.log.of("message"), c: c.log.of("message") }).toEqual({ b: [], c: [] });
    closeAll();
  });

  it("a leader that closes hands the line over to a follower", async () => {
    const { fake, up, closeAll } = browser();
    const [a, b] = await up(2);
    a.client.close();
    await settle();
    expect(b.roles).toEqual(["follower", "leader"]);
    expect(live(fake)).toHaveLength(1);
    fake.last().open();
    await settle();
    expect(b.client.state).toBe("open");
    closeAll();
  });

  it("a frozen leader that answers nothing has its lock taken by a new tab, and follows when it wakes", async () => {
    const { clock, fake, open, closeAll } = browser();
    const a = open();
    await settle();
    fake.last().open();
    await settle();
    a.tab.freeze();
    const b = open();
    await settle();
    expect(b.roles).toEqual(["follower"]);
    clock.advance(1_000);
    await settle();
    expect(b.roles).toEqual(["follower", "leader"]);
    expect(a.roles).toEqual(["leader", "follower"]);
    // the robbed leader let its socket go; the new one holds the only live socket
    expect(live(fake)).toHaveLength(1);
    expect(fake.last().url).toBe(TEST_URL);
    closeAll();
  });

  it("a frozen leader its followers already used: their heartbeat notices, the next relay finds no answer and takes the lock", async () => {
    const { clock, fake, up, closeAll } = browser({ heartbeat: { interval: 1_000, timeout: 500 } });
    const [a, b] = await up(2);
    expect(b.client.state).toBe("open");
    a.tab.freeze();
    // b pings the leader, hears nothing, lets its relay go, tries again and looks for the leader
    for (let i = 0; i < 20 && !b.roles.includes("leader"); i++) {
      clock.advance(Math.max(1, clock.nextDue()! - clock.now()));
      await settle();
    }
    expect(b.roles).toEqual(["follower", "leader"]);
    expect(b.log.of("close")[0]).toMatchObject({ reason: "heartbeat timeout" });
    // (the fake keeps running the frozen tab's timers, so it may have tried a socket of its own meanwhile)
    fake.last().open();
    await settle();
    expect(b.client.state).toBe("open");
    expect(a.roles.at(-1)).toBe("follower");
    expect(live(fake)).toHaveLength(1);
    closeAll();
  });
});

describe("acrossTabs(): where nothing can be shared", () => {
  it("without Web Locks (Node) the client keeps its own socket", async () => {
    const roles: Role[] = [];
    const clock = createFakeClock();
    const fake = createFakeWebSocket();
    // Node 22 has BroadcastChannel but no navigator.locks
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined();
    const share = acrossTabs({ name: NAME, onRole: (role) => roles.push(role) });
    const one = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock, heartbeat: false, share });
    const two = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock, heartbeat: false, share });
    expect(fake.sockets).toHaveLength(2);
    fake.sockets[0]!.open();
    expect(one.send("hi")).toBe("sent");
    expect(roles).toEqual(["solo", "solo"]);
    one.close();
    two.close();
    expect(roles).toEqual(["solo", "solo"]);
    expectNothingLeft({ clock, fake });
  });


  it("where the lock or the channel is refused (an opaque origin), the client keeps its own socket", async () => {
    for (const refused of ["locks", "channel"] as const) {
      const roles: Role[] = [];
      const clock = createFakeClock();
      const fake = createFakeWebSocket();
      const securityError = () => Object.assign(new Error("denied"), { name: "SecurityError" });
      const share = acrossTabs({
        name: NAME,
        onRole: (role) => roles.push(role),
        locks: { request: () => (refused === "locks" ? Promise.reject(securityError()) : new Promise(() => {})) },
        BroadcastChannel: class {
          constructor() {
            if (refused === "channel") throw securityError();
          }
          postMessage() {}
          addEventListener() {}
          close() {}
        },
      });
      const client = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock, heartbeat: false, share });
      await settle();
      expect(roles, refused).toEqual(["solo"]);
      fake.last().open();
      expect(client.state, refused).toBe("open");
      expect(client.send("mine")).toBe("sent");
      expect(fake.last().sent).toEqual(['"mine"']);
      client.close();
      expectNothingLeft({ clock, fake });
    }
  });

  it("checks its options", () => {
    expect(() => acrossTabs({ name: "" })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS", message: 'acrossTabs name must be a non-empty string, got ""' }));
    expect(() => acrossTabs(undefined as never)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => acrossTabs({ name: "x", onRole: 1 as never })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS", message: "acrossTabs onRole must be a function, got 1" }));
  });
});

describe("acrossTabs() with atLeastOnce(): one shared session", () => {
  /**
   * Three tabs up; b and c each send 1 (handled), then 2 to 4, which the
   * leader has yet to assign and write: from then on the channel's posts are
   * slow (the lock is not).
   */
  async function assigning() {
    const shared = session();
    const [a, b, c] = await shared.up(3);
    sendEach(1, { b, c });
    await shared.pump();
    for (let n = 2; n <= 4; n++) sendEach(n, { b, c });
    shared.origin.timing.slow = true;
    return { ...shared, a, b, c };
  }

  const data = (delivery: ReturnType<typeof createDelivery>) => delivery.delivered.map((m) => m.data as { from: string; n: number });
  const of = (delivery: ReturnType<typeof createDelivery>, from: string) => data(delivery).filter((m) => m.from === from).map((m) => m.n);

  it("the server sees one connection and one session; each tab's messages once, in order; delivered in the tab that sent them", async () => {
    const { fake, lead, closeAll, delivery, pump } = session();
    const [a, b, c] = await lead(3);
    expect([a.roles, b.roles, c.roles]).toEqual([["leader"], ["follower"], ["follower"]]);
    fake.last().open();
    await pump();
    expect([a.client.state, b.client.state, c.client.state]).toEqual(["open", "open", "open"]);
    for (let n = 1; n <= 5; n++) sendEach(n, { a, b, c });
    await pump();
    expect(fake.sockets).toHaveLength(1);
    expect(delivery.sessions.size).toBe(1);
    for (const from of ["a", "b", "c"]) expect(of(delivery, from), from).toEqual([1, 2, 3, 4, 5]);
    // each tab hears the server's ack of its own messages, and only of those
    for (const [from, tab] of [["a", a], ["b", b], ["c", c]] as const) {
      expect(tab.log.of("delivered").flatMap((d) => d.messages as Array<{ from: string }>).map((m) => m.from), from).toEqual(Array(5).fill(from));
      expect(tab.client.pending).toEqual([]);
    }
    closeAll();
  });

  it("a crashed leader: the next one speaks for the same session and resends with the same seqs; nothing lost, nothing delivered twice", async () => {
    const { fake, up, closeAll, delivery, pump, crash } = session();
    const [a, b, c] = await up(3);
    for (let n = 1; n <= 3; n++) sendEach(n, { a, b, c });
    await pump();
    // written and received by the server, but the leader dies before the acks reach anyone
    for (let n = 4; n <= 6; n++) sendEach(n, { b, c });
    await pump({ acks: false });
    // and these are still on their way to the leader when it dies
    sendEach(7, { b, c });
    await crash(a);
    expect(b.roles).toEqual(["follower", "leader"]);
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    await pump();
    expect([b.client.state, c.client.state]).toEqual(["open", "open"]);
    for (const from of ["b", "c"]) expect(of(delivery, from), from).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(of(delivery, "a")).toEqual([1, 2, 3]);
    // one session all along; the resends the server already had were dropped there
    expect(delivery.sessions.size).toBe(1);
    expect(delivery.duplicates).toBeGreaterThan(0);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    // a new message after the takeover goes out under the same session, once
    c.client.send({ from: "c", n: 8 });
    await pump();
    expect(of(delivery, "c")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    closeAll();
  });

  it("what the server replays between the hello and its ack reaches every tab once the line is open", async () => {
    const { clock, fake, lead, closeAll, pump } = session();
    const [a, b] = await lead(2);
    const socket = fake.last();
    socket.open();
    // the server replays before it answers the hello
    socket.receive(JSON.stringify({ t: "msg", seq: 1, data: "replayed" }));
    await pump();
    socket.receive(JSON.stringify({ t: "msg", seq: 2, data: "live" }));
    await pump();
    expect(a.log.of("message")).toEqual(["replayed", "live"]);
    expect(b.log.of("message")).toEqual(["replayed", "live"]);
    // the leader acknowledges both for everyone (after atLeastOnce()'s ackDelay)
    clock.advance(200);
    await settle();
    expect(texts(socket).filter((t) => t.startsWith('{"t":"ack"'))).toEqual(['{"t":"ack","seq":2}']);
    closeAll();
  });

  it("a request's reply reaches only the tab that asked", async () => {
    const { up, closeAll, pump } = session();
    const [a, b, c] = await up(3);
    const fromB = request(b.client, { q: "b" });
    const fromA = request(a.client, { q: "a" });
    await pump();
    await expect(fromB).resolves.toEqual({ answer: { q: "b" } });
    await expect(fromA).resolves.toEqual({ answer: { q: "a" } });
    expect({ a: a.log.of("message"), b: b.log.of("message"), c: c.log.of("message") }).toEqual({ a: [], b: [], c: [] });
    closeAll();
  });

  it("a server reset starts a fresh shared session; every tab resends what it holds under it, once", async () => {
    const { fake, up, closeAll, delivery, pump } = session();
    const [a, b] = await up(2);
    const resets = [a, b].map((tab) => {
      const seen: string[] = [];
      tab.client.on("reset", ({ reason }) => seen.push(reason));
      return seen;
    });
    a.client.send({ from: "a", n: 1 });
    b.client.send({ from: "b", n: 1 });
    await pump({ acks: false });
    // the server lost its state: it forgets the session and says so
    delivery.reset();
    fake.last().receive(JSON.stringify({ t: "reset", reason: "store lost" }));
    for (let i = 0; i < 10 && fake.live().length === 1 && fake.last().readyState !== 0; i++) await settle();
    fake.last().open();
    await pump();
    expect(resets).toEqual([["store lost"], ["store lost"]]);
    expect([a.client.state, b.client.state]).toEqual(["open", "open"]);
    expect(of(delivery, "a")).toEqual([1]);
    expect(of(delivery, "b")).toEqual([1]);
    expect(delivery.sessions.size).toBe(1);
    expect([a.client.pending, b.client.pending]).toEqual([[], []]);
    closeAll();
  });

  it("a server that lost the shared session answers the next hello with reset: a fresh shared session; every tab hears the reset and resends under it, once", async () => {
    const { clock, fake, up, closeAll, delivery, pump, gone } = session();
    const [a, b] = await up(2);
    const resets = [a, b].map((tab) => {
      const seen: string[] = [];
      tab.client.on("reset", ({ reason }) => seen.push(reason));
      return seen;
    });
    const shared = (JSON.parse(texts(fake.last())[0]!) as { session: string }).session;
    await delivery.server.send(shared, "before the restart");
    await pump();
    clock.advance(200); // the leader acknowledges it: the next hello says ack 1
    await pump();
    expect([a.log.of("message"), b.log.of("message")]).toEqual([["before the restart"], ["before the restart"]]);
    // the server restarts: the line drops, and its store is gone
    delivery.reset();
    gone(fake.last());
    a.client.send({ from: "a", n: 1 });
    b.client.send({ from: "b", n: 1 });
    for (let i = 0; i < 20 && !(a.client.state === "open" && b.client.state === "open"); i++) {
      for (const socket of fake.sockets) if (socket.readyState === 0) socket.open();
      await pump();
      if (a.client.state !== "open" || b.client.state !== "open") clock.advance(Math.max(1, (clock.nextDue() ?? clock.now() + 1) - clock.now()));
    }
    await pump();
    expect([a.client.state, b.client.state]).toEqual(["open", "open"]);
    expect(resets).toEqual([["unknown-session"], ["unknown-session"]]);
    expect(of(delivery, "a")).toEqual([1]);
    expect(of(delivery, "b")).toEqual([1]);
    expect(delivery.sessions.size).toBe(1);
    expect(delivery.sessions.has(shared)).toBe(false);
    expect([a.client.pending, b.client.pending]).toEqual([[], []]);
    closeAll();
  });

  it("after a server reset, a tab that takes over says hello for the fresh session with what it received under it, not under the old one", async () => {
    const { fake, up, closeAll, delivery, pump, crash } = session();
    const [a, b] = await up(2);
    const resets: string[] = [];
    b.client.on("reset", ({ reason }) => resets.push(reason));
    const shared = (JSON.parse(texts(fake.last())[0]!) as { session: string }).session;
    await delivery.server.send(shared, "under the old session");
    await pump();
    // the server lost its state and says so on the live line; the leader dies before its next line opens
    delivery.reset();
    const first = fake.last();
    first.receive(JSON.stringify({ t: "reset", reason: "store lost" }));
    await settle();
    await crash(a, first);
    expect(b.roles).toEqual(["follower", "leader"]);
    // (the crashed tab's client had made a socket of its own before: the fake runs a dead tab's code)
    const mine = fake.last();
    mine.open();
    await pump();
    expect(JSON.parse(texts(mine)[0]!)).toMatchObject({ t: "hello", ack: 0 });
    expect(b.client.state).toBe("open");
    expect(resets).toEqual(["store lost"]);
    b.client.send({ from: "b", n: 1 });
    await pump();
    expect(of(delivery, "b")).toEqual([1]);
    closeAll();
  });

  it("a new leader that hears the old leader's last assignments only after it took over still delivers each message once", async () => {
    const { fake, origin, closeAll, delivery, pump, crash, a, b, c } = await assigning();
    // the leader reads these, posts their seqs (slowly) and writes them
    await settle();
    await pump({ acks: false });
    await crash(a);
    expect(b.roles).toEqual(["follower", "leader"]);
    origin.timing.slow = false;
    fake.sockets.find((socket) => socket.readyState === 0)!.open();
    await pump();
    for (const from of ["b", "c"]) expect(of(delivery, from), from).toEqual([1, 2, 3, 4]);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    closeAll();
  });

  it("a leader page torn down loses its last posts while its socket still sends what it wrote: an assignment is written only once its post went round, so the next leader knows every seq the server has", async () => {
    const { clock, fake, origin, closeAll, delivery, pump, crash, a, b, c } = await assigning();
    // the leader reads 2 to 4 and assigns them (their posts are slow)
    await settle();
    // what it wrote reaches the server: its socket lives in another process
    await pump({ acks: false });
    // the page is torn down: its posts still on their way never arrive
    await crash(a, fake.last(), true);
    expect(b.roles).toEqual(["follower", "leader"]);
    origin.timing.slow = false;
    fake.sockets.find((socket) => socket.readyState === 0)!.open();
    await pump();
    clock.advance(CATCH_UP_MS);
    await pump();
    for (const from of ["b", "c"]) expect(of(delivery, from), from).toEqual([1, 2, 3, 4]);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    closeAll();
  });

  it("where the channel refuses the leader a second object to hear its posts back, it writes without waiting: nothing stalls", async () => {
    const { fake, open, pump, delivery, closeAll } = session();
    let made = 0;
    const { client, roles } = open({}, (Channel) =>
      class extends Channel {
        constructor(name: string) {
          if (++made > 1) throw new DOMException("refused", "SecurityError");
          super(name);
        }
      },
    );
    await settle();
    expect(roles).toEqual(["leader"]);
    expect(made).toBe(2);
    fake.last().open();
    await pump();
    client.send({ from: "a", n: 1 });
    await pump();
    expect(of(delivery, "a")).toEqual([1]);
    expect(client.pending).toEqual([]);
    closeAll();
  });

  it("a new leader that wrote before it heard the old leader's last assignments writes those under new seqs (the server drops a lower one), so nothing is lost", async () => {
    const { fake, origin, up, closeAll, delivery, pump, crash } = session();
    const [a, b, c] = await up(3);
    sendEach(1, { b, c });
    await pump();
    // the other tabs read the channel late (the leader hears its own posts back as usual)
    const release = origin.delay(a.tab, b.tab, c.tab);
    for (let n = 2; n <= 4; n++) sendEach(n, { b, c });
    // the leader posts their seqs and, once heard back, writes them, but the line dies before the server reads any
    await settle();
    const first = fake.last();
    expect(texts(first).filter((t) => t.startsWith('{"t":"msg"'))).toHaveLength(2 + 6);
    await crash(a, first);
    expect(b.roles).toEqual(["follower", "leader"]);
    // the server's answer covers only what b knows: b's line opens, its tab resends under new seqs, then the old posts arrive
    fake.sockets.find((socket) => socket.readyState === 0)!.open();
    await pump();
    release();
    await pump();
    for (const from of ["b", "c"]) expect(of(delivery, from), from).toEqual([1, 2, 3, 4]);
    expect([b.client.pending, c.client.pending]).toEqual([[], []]);
    // every seq the server saw after the takeover is above the ones the old leader had given
    const after = delivery.delivered.filter((m) => (m.data as { n: number }).n > 1).map((m) => m.seq);
    expect(Math.min(...after)).toBeGreaterThan(1_000_000);
    closeAll();
  });

  it("a new leader waits at most CATCH_UP_MS for the assignments the server's answer covers, then opens the line anyway", async () => {
    const { clock, fake, origin, up, closeAll, delivery, pump, crash } = session();
    const [a, b] = await up(2);
    b.client.send({ from: "b", n: 1 });
    await pump();
    // the leader's own message: written and handled, but its assignment reaches the other tab only after the wait, if ever
    origin.delay(a.tab, b.tab);
    a.client.send({ from: "a", n: 1 });
    await pump({ acks: false });
    expect(of(delivery, "a")).toEqual([1]);
    await crash(a);
    expect(b.roles).toEqual(["follower", "leader"]);
    fake.sockets.find((socket) => socket.readyState === 0)!.open();
    await pump();
    // the answer acknowledges a seq b never heard assigned: it waits for it before its tab may resend
    expect(b.client.state).not.toBe("open");
    clock.advance(CATCH_UP_MS - 1);
    await pump();
    expect(b.client.state).not.toBe("open");
    clock.advance(1);
    await pump();
    expect(b.client.state).toBe("open");
    b.client.send({ from: "b", n: 2 });
    await pump();
    expect(of(delivery, "b")).toEqual([1, 2]);
    expect(b.client.pending).toEqual([]);
    closeAll();
  });

  it("a leader whose socket the server is closing (4409 read, close event not yet dispatched) writes nothing more on it", async () => {
    const { fake, up, closeAll } = session();
    const [a, b] = await up(2);
    const socket = fake.last();
    const whileClosing: unknown[] = [];
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      if (socket.readyState !== 1) whileClosing.push(data);
      send(data);
    };
    // as a browser has it once the server's close frame arrived: CLOSING, and a send() there logs an error
    socket.readyState = 2;
    a.client.send({ from: "a", n: 1 });
    b.client.send({ from: "b", n: 1 });
    await settle();
    expect(whileClosing).toEqual([]);
    socket.readyState = 1;
    socket.serverClose(4409, "session taken over");
    closeAll();
  });

  it("a leader that took the lock from a hung one numbers far above it, so late writes of the old one never shadow its messages", async () => {
    const { clock, fake, up, closeAll, delivery, pump } = session({ heartbeat: { interval: 1_000, timeout: 500 } });
    const [a, b] = await up(2);
    b.client.send({ from: "b", n: 1 });
    await pump();
    a.tab.freeze();
    for (let i = 0; i < 20 && !b.roles.includes("leader"); i++) {
      clock.advance(Math.max(1, clock.nextDue()! - clock.now()));
      await settle();
    }
    expect(b.roles).toEqual(["follower", "leader"]);
    const mine = fake.sockets.find((socket) => socket.readyState === 0)!;
    mine.open();
    await pump();
    b.client.send({ from: "b", n: 2 });
    await pump();
    const seqs = delivery.delivered.filter((m) => (m.data as { from: string }).from === "b").map((m) => m.seq);
    expect(seqs[0]).toBe(1);
    expect(seqs[1]).toBeGreaterThan(1_000_000);
    expect(delivery.sessions.size).toBe(1);
    closeAll();
  });
});
