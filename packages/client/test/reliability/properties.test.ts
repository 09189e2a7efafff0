// Property-based tests of the state machine: fast-check drives random
// interleavings of socket events, clock moves and API calls through a client
// on the fake socket and fake clock, and checks the invariants after every step.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createClient, isLifelineError } from "../../src/index.js";
import type { ClientOptions, State, WebSocketConstructor } from "../../src/index.js";
import { CLOSED, CONNECTING, OPEN, createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import type { FakeSocket } from "../../src/testing.js";

/** The public state graph: every edge the client may take, and no self edges. */
const EDGES: Record<State, readonly State[]> = {
  idle: ["connecting", "closed"],
  connecting: ["open", "reconnecting", "closed"],
  open: ["reconnecting", "closed"],
  reconnecting: ["open", "closed"],
  closed: ["connecting"],
};

/** A stand-in for the browser's `window`/`document` that counts listeners; like a browser, it hands each listener an event whose target is itself. */
function eventTarget() {
  type Listener = (event: { type: string; target: unknown }) => void;
  const listeners = new Map<string, Set<Listener>>();
  const target = {
    addEventListener(type: string, fn: Listener) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(fn);
    },
    removeEventListener(type: string, fn: Listener) {
      listeners.get(type)?.delete(fn);
    },
    dispatch(type: string) {
      for (const fn of [...(listeners.get(type) ?? [])]) fn({ type, target });
    },
    count: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
  };
  return target;
}

type Config = {
  backoff: { initial: number; max: number; factor: number; jitter: "full" | "equal" | "none"; resetAfter: number };
  heartbeat: false | { interval: number; timeout: number };
  queue: { max: number; overflow: "drop-oldest" | "drop-newest" | "error"; ttl: number };
  maxRetries: number;
  connectTimeout: number;
  autoConnect: boolean;
  seed: number;
  halfOpenPeer: boolean;
};

const config: fc.Arbitrary<Config> = fc.record({
  // initial never above max: createClient refuses that contradiction
  backoff: fc
    .record({
      initial: fc.integer({ min: 0, max: 2_000 }),
      above: fc.integer({ min: 0, max: 10_000 }),
      factor: fc.double({ min: 1, max: 3, noNaN: true }),
      jitter: fc.constantFrom("full" as const, "equal" as const, "none" as const),
      resetAfter: fc.integer({ min: 0, max: 10_000 }),
    })
    .map(({ above, ...backoff }) => ({ ...backoff, max: backoff.initial + above })),
  heartbeat: fc.oneof(fc.constant(false as const), fc.record({ interval: fc.integer({ min: 10, max: 5_000 }), timeout: fc.integer({ min: 10, max: 5_000 }) })),
  queue: fc.record({
    max: fc.integer({ min: 0, max: 8 }),
    overflow: fc.constantFrom("drop-oldest" as const, "drop-newest" as const, "error" as const),
    ttl: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 10_000 })),
  }),
  maxRetries: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 5 })),
  connectTimeout: fc.integer({ min: 50, max: 10_000 }),
  autoConnect: fc.boolean(),
  seed: fc.integer(),
  halfOpenPeer: fc.boolean(),
});

type Action =
  | { kind: "open" }
  | { kind: "serverClose"; code: number; wasClean: boolean; stale: number }
  | { kind: "fail"; stale: number }
  | { kind: "receive"; data: string | "binary" }
  | { kind: "advance"; ms: number }
  | { kind: "jump"; ms: number }
  | { kind: "send" }
  | { kind: "close"; code: number | undefined }
  | { kind: "connect" }
  | { kind: "reconnect" }
  | { kind: "offline" }
  | { kind: "online" }
  | { kind: "hidden" }
  | { kind: "visible" };

// `stale` > 0 aims the event at an older socket, which the client must ignore
const stale = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: "open" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("serverClose" as const),
      code: fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1005, 1006, 1008, 1011, 1012, 3000, 4000, 4400, 4401, 4499, 4500), fc.integer({ min: 0, max: 6_000 })),
      wasClean: fc.boolean(),
      stale,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("fail" as const), stale }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("receive" as const), data: fc.constantFrom('{"type":"chat"}', "ping", "pong", "not json", "binary") }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 5_000 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("jump" as const), ms: fc.integer({ min: 0, max: 60_000 }) }) },
  { weight: 5, arbitrary: fc.constant({ kind: "send" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("close" as const), code: fc.constantFrom(undefined, 1000, 3000, 4999) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "connect" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reconnect" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "offline" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "online" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "hidden" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "visible" as const }) },
);

/** The bounds the backoff settings allow for the delay of retry `attempt`. */
function delayBounds(backoff: Config["backoff"], attempt: number): [number, number] {
  const cap = Math.min(backoff.max, backoff.initial * backoff.factor ** (attempt - 1));
  switch (backoff.jitter) {
    case "none":
      return [cap, cap];
    case "full":
      return [0, Math.ceil(cap)];
    case "equal":
      // rounded to whole ms
      return [Math.floor(cap / 2), Math.ceil(cap)];
  }
}

function run(cfg: Config, actions: Action[]): void {
  const fakeClock = createFakeClock();
  // counts the timers the client arms, to catch a timer loop the fake clock's own guard would hide
  let armed = 0;
  const clock = { ...fakeClock, setTimeout: (fn: () => void, ms: number) => (armed++, fakeClock.setTimeout(fn, ms)) };
  const fake = createFakeWebSocket({ closeCompletes: !cfg.halfOpenPeer });
  const win = eventTarget();
  const doc = Object.assign(eventTarget(), { visibilityState: "visible" });
  const nav = { onLine: true };
  vi.stubGlobal("navigator", nav);
  vi.stubGlobal("addEventListener", win.addEventListener);
  vi.stubGlobal("removeEventListener", win.removeEventListener);
  vi.stubGlobal("document", doc);

  // for each socket: when it was made, and when the backoff before it was due
  const made = new Map<FakeSocket, { at: number; due: number | undefined }>();
  let reconnectDue: number | undefined;
  const Base = fake.WebSocket;
  const WebSocket = class extends (Base as unknown as new (url: string, protocols?: string | string[]) => FakeSocket) {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      made.set(this, { at: clock.now(), due: reconnectDue });
      reconnectDue = undefined;
    }
  } as unknown as WebSocketConstructor;

  let seed = cfg.seed >>> 0 || 1;
  const random = () => {
    // a tiny LCG: the jitter only needs to be repeatable per run
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    return seed / 0x1_0000_0000;
  };

  const options: ClientOptions = {
    url: "ws://lifeline.test/ws",
    WebSocket,
    clock,
    random,
    backoff: cfg.backoff,
    heartbeat: cfg.heartbeat,
    queue: cfg.queue,
    maxRetries: cfg.maxRetries,
    connectTimeout: cfg.connectTimeout,
    autoConnect: false,
  };
  const client = createClient<any, any>(options);

  let lastState: State = "idle";
  const errors: unknown[] = [];
  const dropped = new Set<number>();
  const refused = new Set<number>();
  let nextId = 0;
  client.on("state", ({ from, to }) => {
    expect(from, `edge ${from}→${to} after ${lastState}`).toBe(lastState);
    expect(EDGES[from], `edge ${from}→${to}`).toContain(to);
    lastState = to;
  });
  client.on("reconnecting", ({ attempt, delay }) => {
    expect(attempt).toBeGreaterThanOrEqual(1);
    expect(attempt).toBeLessThanOrEqual(cfg.maxRetries);
    const [low, high] = delayBounds(cfg.backoff, attempt);
    expect(delay, `delay of retry ${attempt}`).toBeGreaterThanOrEqual(low);
    expect(delay, `delay of retry ${attempt}`).toBeLessThanOrEqual(high);
    reconnectDue = clock.now() + delay;
  });
  client.on("open", ({ attempt }) => expect(attempt).toBeGreaterThanOrEqual(1));
  client.on("drop", ({ message }) => dropped.add((message as { i: number }).i));
  client.on("error", (error) => errors.push(error));

  const target = (back: number): FakeSocket | undefined => fake.sockets[fake.sockets.length - 1 - back];

  const check = (step: Action, socketsBefore: number, armedBefore: number) => {
    // at most one socket open or opening, whether or not the client still listens to it
    expect(fake.live().length).toBeLessThanOrEqual(1);
    expect(fake.sockets.filter((s) => s.readyState === CONNECTING || s.readyState === OPEN).length).toBeLessThanOrEqual(1);
    expect(client.state).toBe(lastState);
    // every event handler ran without the client reporting a failure (failed attempts and an unanswered heartbeat are routine reports, not failures)
    expect(errors.filter((e) => !["CONNECT_FAILED", "CONNECT_TIMEOUT", "HEARTBEAT_UNANSWERED"].includes((e as { code?: string }).code ?? ""))).toEqual([]);

    // the queue: bounded, in order, and every message accounted for exactly once
    const pending = client.pending.map((m) => (m as { i: number }).i);
    expect(pending.length).toBeLessThanOrEqual(cfg.queue.max);
    const wire = fake.sockets.flatMap((s) => s.sent.filter((f): f is string => typeof f === "string" && f.startsWith("{")).map((f) => (JSON.parse(f) as { i: number }).i));
    expect(wire, "frames on the wire keep send() order, once each").toEqual([...wire].sort((a, b) => a - b).filter((n, k, all) => k === 0 || n !== all[k - 1]));
    expect(pending, "the queue keeps send() order").toEqual([...pending].sort((a, b) => a - b));
    const accounted = [...wire, ...pending, ...dropped, ...refused].sort((a, b) => a - b);
    expect(accounted, "each message is sent, queued, dropped or refused, exactly once").toEqual(Array.from({ length: nextId }, (_, k) => k));

    // a socket the clock made (not a user call or an online event) waited out its backoff delay
    if (step.kind === "advance" || step.kind === "jump") {
      for (const socket of fake.sockets.slice(socketsBefore)) {
        expect(nav.onLine, "no attempt is spent while offline").toBe(true);
        const { at, due } = made.get(socket)!;
        expect(due, "a timer-made socket follows a reconnecting event").toBeDefined();
        expect(at).toBeGreaterThanOrEqual(due!);
      }
    }

    // no busy loop: the shortest timer the settings allow is 10 ms, and each fires a handful of others at most
    if (step.kind === "advance") expect(armed - armedBefore, "timers armed in one step").toBeLessThanOrEqual(50 + step.ms);

    if (client.state === "closed") {
      // nothing of the client is left behind
      expect(clock.pending()).toBe(0);
      for (const socket of fake.sockets) expect(socket.listenerCount()).toBe(0);
      expect(win.count()).toBe(0);
      expect(doc.count()).toBe(0);
    }
  };

  try {
    if (cfg.autoConnect) client.connect();
    check({ kind: "connect" }, 0, 0);
    for (const step of actions) {
      const before = fake.sockets.length;
      const armedBefore = armed;
      switch (step.kind) {
        case "open": {
          const socket = target(0);
          if (socket?.readyState === CONNECTING) socket.open();
          break;
        }
        case "serverClose": {
          const socket = target(step.stale);
          if (socket && socket.readyState !== CLOSED) socket.serverClose(step.code, "", step.wasClean);
          break;
        }
        case "fail": {
          const socket = target(step.stale);
          if (socket && socket.readyState !== CLOSED) socket.fail();
          break;
        }
        case "receive": {
          const socket = target(0);
          if (socket?.readyState === OPEN) socket.receive(step.data === "binary" ? new TextEncoder().encode('{"type":"bin"}') : step.data);
          break;
        }
        case "advance":
          clock.advance(step.ms);
          break;
        case "jump":
          clock.jump(step.ms);
          // a timer due long ago runs now, late: the sleep-detection paths
          clock.advance(0);
          break;
        case "send": {
          const id = nextId++;
          try {
            if (client.send({ i: id }) === "dropped") expect(dropped.has(id)).toBe(true);
          } catch (error) {
            expect(isLifelineError(error) && error.code === "QUEUE_FULL", String(error)).toBe(true);
            expect(cfg.queue.overflow).toBe("error");
            refused.add(id);
          }
          break;
        }
        case "close":
          client.close(step.code);
          expect(client.state).toBe("closed");
          break;
        case "connect":
          client.connect();
          break;
        case "reconnect":
          client.reconnect();
          break;
        case "offline":
          nav.onLine = false;
          win.dispatch("offline");
          break;
        case "online":
          nav.onLine = true;
          win.dispatch("online");
          break;
        case "hidden":
          doc.visibilityState = "hidden";
          doc.dispatch("visibilitychange");
          break;
        case "visible":
          doc.visibilityState = "visible";
          doc.dispatch("visibilitychange");
          break;
      }
      check(step, before, armedBefore);
    }
    client.close();
    check({ kind: "close", code: undefined }, fake.sockets.length, armed);
  } finally {
    client.close();
    vi.unstubAllGlobals();
  }
}

describe("state machine properties", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("holds every invariant under random interleavings of socket events, time and API calls", () => {
    fc.assert(fc.property(config, fc.array(action, { maxLength: 80 }), run), { numRuns: 400 });
  });

  it("holds them on long runs too", () => {
    fc.assert(fc.property(config, fc.array(action, { minLength: 150, maxLength: 400 }), run), { numRuns: 40 });
  });

  it("an offline client spends no attempt until it is online again", () => {
    // a pinned scenario, so the offline rule is exercised on every run, not only when fast-check finds it
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 20 }), (cfg, waits) =>
        run({ ...cfg, autoConnect: true, maxRetries: Infinity }, [
          { kind: "offline" },
          { kind: "fail", stale: 0 },
          ...Array.from({ length: waits }, () => ({ kind: "advance" as const, ms: 5_000 })),
          { kind: "online" },
          { kind: "advance", ms: 20_000 },
        ]),
      ),
      { numRuns: 50 },
    );
  });
});
