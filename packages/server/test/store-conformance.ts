// The Store contract (src/store.ts) as one behavioural suite, run against
// every store: memoryStore() in memory-store.test.ts, redisStore() against a
// real redis-server in redis-store.test.ts. Real time with short TTLs, so
// the same assertions hold for a store whose clock is Redis's.
import { afterEach, describe, expect, it } from "vitest";
import type { Store, StoreEvent } from "../src/index.js";
import { heapPerCall } from "./heap/per-call.js";
import { topicConformance } from "./topic-conformance.js";

export interface StoreOptions {
  sessionTtl?: number;
  replay?: { max?: number };
}

export interface StoreHarness {
  /** A fresh, empty store (closed by the suite). */
  make(options?: StoreOptions): Store | Promise<Store>;
  /** Sessions and tombstones the store holds right now. */
  count(store: Store): Promise<number>;
  /** For a store with topics: makes it lose its data, as a restart without persistence would. */
  lose?(store: Store): Promise<void>;
}

const TTL = 300;

/** An append may carry its entries (made on the owner's node): they end at its seq, in order; the rest of the contract ignores them. */
function withoutEntries(event: StoreEvent): StoreEvent {
  if (event.type !== "append" || event.entries === undefined) return event;
  const { entries, ...hint } = event;
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => event.seq - entries.length + 1 + i));
  return hint;
}

/** Events one node hears, with a bounded wait for the next ones. */
async function listen(store: Store, node: string) {
  const events: StoreEvent[] = [];
  const wakers = new Set<() => void>();
  const off = await store.subscribe(node, (event) => {
    events.push(withoutEntries(event));
    for (const wake of wakers) wake();
  });
  const until = (count: number, ms = 3_000) =>
    new Promise<StoreEvent[]>((resolve, reject) => {
      const check = () => {
        if (events.length < count) return;
        finish();
        resolve(events);
      };
      const finish = () => {
        clearTimeout(timer);
        wakers.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`expected ${count} events, got ${JSON.stringify(events)}`));
      }, ms);
      wakers.add(check);
      check();
    });
  return { events, until, off };
}

/** Polls `probe` every 10 ms until it is true; resolves with the ms it took; bounded. */
async function eventually(probe: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`still false after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function attached(result: Awaited<ReturnType<Store["attach"]>>) {
  if (result.status !== "attached") throw new Error(`expected attached, got ${JSON.stringify(result)}`);
  return result;
}

export function storeConformance(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const make = async (options?: StoreOptions) => {
      const store = await harness.make(options);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("keeps a session sessionTtl after its last detach, then forgets it", async () => {
      const store = await make({ sessionTtl: TTL });
      const a = attached(await store.attach("a", "n1", true));
      expect(a).toMatchObject({ created: true, inbound: 0, sent: 0, acked: 0 });
      expect(a.fence).toBeGreaterThan(0);
      expect(await store.inspect("a")).toMatchObject({ attached: true, owner: "n1", fence: a.fence });
      // the clock starts at the detach, which the store handles after this instant
      const detaching = Date.now();
      await store.detach("a", a.fence);
      expect(await store.inspect("a")).toMatchObject({ attached: false, fence: a.fence });
      let goneAt = 0;
      await eventually(async () => {
        const found = await store.inspect("a");
        // the answer "gone" arrives after the store found it gone: a loaded machine can only make this later
        if (!found) goneAt = Date.now();
        return found === undefined;
      }, TTL + 2_000);
      // it was kept sessionTtl after the detach (50 ms for the clocks' granularity): gone earlier fails
      expect(goneAt - detaching).toBeGreaterThanOrEqual(TTL - 50);
      expect(await store.attach("a", "n1", false)).toEqual({ status: "absent" });
      expect(await harness.count(store)).toBe(0);
    });

    it("an attached session does not expire; a reattach stops the clock, the next detach starts it over", async () => {
      const store = await make({ sessionTtl: TTL });
      const first = attached(await store.attach("s", "n1", true));
      await wait(TTL * 2);
      expect(await store.inspect("s")).toMatchObject({ attached: true });
      await store.detach("s", first.fence);
      const second = attached(await store.attach("s", "n1", false));
      expect(second.created).toBe(false);
      expect(second.fence).toBeGreaterThan(first.fence);
      await wait(TTL * 2);
      expect(await harness.count(store)).toBe(1);
      expect(await store.detach("s", second.fence)).toBe("ok");
      await eventually(async () => (await harness.count(store)) === 0, TTL + 2_000);
    });

    it("fences: a write with an older fence changes nothing; the old owner hears of the takeover", async () => {
      const store = await make();
      const n1 = await listen(store, "n1");
      const old = attached(await store.attach("s", "n1", true));
      const young = attached(await store.attach("s", "n2", true));
      expect(young.fence).toBeGreaterThan(old.fence);
      expect(young.created).toBe(false);
      await n1.until(1);
      expect(n1.events).toEqual([{ type: "takeover", session: "s", fence: young.fence }]);
      expect(await store.record("s", old.fence, 5)).toBe("fenced");
      expect(await store.acknowledge("s", old.fence, 0)).toBe("fenced");
      expect(await store.detach("s", old.fence)).toBe("fenced");
      expect(await store.drop("s", old.fence)).toBe("fenced");
      expect(await store.inspect("s")).toMatchObject({ inbound: 0, attached: true, owner: "n2", fence: young.fence });
      expect(await store.record("s", young.fence, 5)).toBe("ok");
      expect(await store.record("s", young.fence, 3)).toBe("ok");
      expect((await store.inspect("s"))?.inbound).toBe(5);
      expect(await store.record("gone", 1, 1)).toBe("gone");
      expect(await store.acknowledge("gone", 1, 1)).toBe("gone");
      expect(await store.detach("gone", 1)).toBe("gone");
      expect(await store.drop("gone", 1)).toBe("gone");
      await n1.off();
    });

    it("a reattach answers the marks it left: inbound, sent, acked", async () => {
      const store = await make();
      const a = attached(await store.attach("m", "n1", true));
      await store.record("m", a.fence, 7);
      for (let i = 1; i <= 3; i++) await store.append("m", `"data":${i}`);
      await store.acknowledge("m", a.fence, 2);
      await store.detach("m", a.fence);
      const b = attached(await store.attach("m", "n2", false));
      expect(b).toMatchObject({ created: false, inbound: 7, sent: 3, acked: 2 });
      expect(await store.read("m", 0, 10)).toEqual([{ seq: 3, body: '"data":3' }]);
    });

    it("appends with growing seq, tells the owner, trims on acknowledge, reads above a mark", async () => {
      const store = await make();
      const n1 = await listen(store, "n1");
      const { fence } = attached(await store.attach("s", "n1", true));
      for (let i = 1; i <= 4; i++) expect(await store.append("s", `"data":${i}`)).toEqual({ status: "stored", seq: i });
      await n1.until(4);
      expect(n1.events).toEqual([1, 2, 3, 4].map((seq) => ({ type: "append", session: "s", seq })));
      expect(await store.read("s", 1, 2)).toEqual([
        { seq: 2, body: '"data":2' },
        { seq: 3, body: '"data":3' },
      ]);
      expect(await store.acknowledge("s", fence, 2)).toBe("ok");
      expect(await store.read("s", 0, 10)).toEqual([
        { seq: 3, body: '"data":3' },
        { seq: 4, body: '"data":4' },
      ]);
      expect(await store.inspect("s")).toMatchObject({ acked: 2, sent: 4, buffered: 2 });
      // an ack above sent is clamped; a lower one changes nothing
      expect(await store.acknowledge("s", fence, 99)).toBe("ok");
      expect(await store.acknowledge("s", fence, 1)).toBe("ok");
      expect(await store.inspect("s")).toMatchObject({ acked: 4, sent: 4, buffered: 0 });
      expect(await store.read("s", 4, 10)).toEqual([]);
      expect(await store.append("nobody", '"data":0')).toEqual({ status: "absent" });
      expect(await store.read("nobody", 0, 1)).toBeUndefined();
      await n1.off();
    });

    it("a detached session still takes appends, without an event; they are read after the next attach", async () => {
      const store = await make();
      const n1 = await listen(store, "n1");
      const a = attached(await store.attach("d", "n1", true));
      await store.detach("d", a.fence);
      expect(await store.append("d", '"data":"x"')).toEqual({ status: "stored", seq: 1 });
      // a later append to an attached session is the first event n1 hears
      await store.attach("e", "n1", true);
      await store.append("e", '"data":"y"');
      await n1.until(1);
      expect(n1.events).toEqual([{ type: "append", session: "e", seq: 1 }]);
      const b = attached(await store.attach("d", "n1", false));
      expect(b).toMatchObject({ sent: 1, acked: 0 });
      expect(await store.read("d", 0, 10)).toEqual([{ seq: 1, body: '"data":"x"' }]);
      await n1.off();
    });

    it("bodies are stored as they are (quotes, unicode, large)", async () => {
      const store = await make();
      await store.attach("b", "n1", true);
      const bodies = ['"data":"a \\"quoted\\" line\\n"', '"re":"r1","data":{"ü":"€😀"}', `"data":"${"x".repeat(100_000)}"`];
      for (const body of bodies) await store.append("b", body);
      expect((await store.read("b", 0, 10))?.map((e) => e.body)).toEqual(bodies);
    });

    it("drop forgets the session at once, without a tombstone", async () => {
      const store = await make();
      const a = attached(await store.attach("x", "n1", true));
      await store.append("x", '"data":1');
      expect(await store.drop("x", a.fence)).toBe("ok");
      expect(await store.inspect("x")).toBeUndefined();
      expect(await store.attach("x", "n1", false)).toEqual({ status: "absent" });
      expect(await harness.count(store)).toBe(0);
    });

    it("overflow makes a tombstone that answers one attach, tells the attached owner, and expires", async () => {
      const store = await make({ sessionTtl: TTL, replay: { max: 2 } });
      const n1 = await listen(store, "n1");
      await store.attach("s", "n1", true);
      await store.append("s", '"data":1');
      await store.append("s", '"data":2');
      expect(await store.append("s", '"data":3')).toEqual({ status: "overflow" });
      await n1.until(3);
      expect(n1.events.at(-1)).toEqual({ type: "reset", session: "s", reason: "overflow" });
      expect(await store.inspect("s")).toMatchObject({ reset: "overflow", buffered: 0, attached: false });
      expect(await store.append("s", '"data":4')).toEqual({ status: "absent" });
      expect(await store.read("s", 0, 10)).toBeUndefined();
      expect(await store.record("s", 1, 1)).toBe("gone");
      // the tombstone answers once, whatever `create` says
      expect(await store.attach("s", "n1", false)).toEqual({ status: "tombstone", reason: "overflow" });
      expect(await store.inspect("s")).toBeUndefined();

      const t = attached(await store.attach("t", "n1", true));
      await store.detach("t", t.fence);
      await store.append("t", '"data":1');
      await store.append("t", '"data":2');
      expect(await store.append("t", '"data":3')).toEqual({ status: "overflow" });
      // a detached owner is not told; the tombstone expires sessionTtl later
      expect(await store.inspect("t")).toMatchObject({ reset: "overflow" });
      await eventually(async () => (await harness.count(store)) === 0, TTL + 2_000);
      expect(n1.events.filter((e) => e.session === "t")).toEqual([]);
      await n1.off();
    });

    it('append with whenFull "refuse": a full buffer of an attached session answers full and changes nothing; a detached one overflows', async () => {
      const store = await make({ replay: { max: 2 } });
      const n1 = await listen(store, "n1");
      const a = attached(await store.attach("r", "n1", true));
      await store.append("r", '"data":1');
      await store.append("r", '"data":2');
      await n1.until(2);
      expect(await store.append("r", '"data":3', "refuse")).toEqual({ status: "full" });
      expect(await store.inspect("r")).toMatchObject({ sent: 2, acked: 0, buffered: 2, reset: undefined, attached: true });
      // room comes with the client's acknowledgement
      await store.acknowledge("r", a.fence, 1);
      expect(await store.append("r", '"data":3', "refuse")).toEqual({ status: "stored", seq: 3 });
      expect(await store.read("r", 1, 10)).toEqual([
        { seq: 2, body: '"data":2' },
        { seq: 3, body: '"data":3' },
      ]);
      // the client went away: it is away longer than its buffer lasts
      await store.detach("r", a.fence);
      expect(await store.append("r", '"data":4', "refuse")).toEqual({ status: "overflow" });
      expect(await store.inspect("r")).toMatchObject({ reset: "overflow" });
      expect(n1.events.filter((e) => e.type !== "append")).toEqual([]);
      await n1.off();
    });

    it("after unsubscribe a node hears nothing more", async () => {
      const store = await make();
      const n1 = await listen(store, "n1");
      await store.attach("u", "n1", true);
      await store.append("u", '"data":1');
      await n1.until(1);
      await n1.off();
      await store.append("u", '"data":2');
      // a round trip through the store after the append: its event would have come by now
      const n2 = await listen(store, "n2");
      await store.attach("v", "n2", true);
      await store.append("v", '"data":1');
      await n2.until(1);
      expect(n1.events).toHaveLength(1);
      await n2.off();
    });

    it("a session belongs to the user that made it: another user's attach answers absent and changes nothing", async () => {
      const store = await make({ sessionTtl: TTL });
      const n1 = await listen(store, "n1");
      const alice = { user: "alice", sessionsPerUser: 16 };
      const bob = { user: "bob", sessionsPerUser: 16 };
      const mine = attached(await store.attach("s", "n1", true, alice));
      await store.append("s", '"data":"secret"');
      await store.record("s", mine.fence, 3);
      const before = await store.inspect("s");
      expect(before).toMatchObject({ user: "alice", owner: "n1", attached: true, fence: mine.fence });
      // as a new session, as a resume, and from the anonymous namespace: all "absent", as for an unknown id
      expect(await store.attach("s", "n2", true, bob)).toEqual({ status: "absent" });
      expect(await store.attach("s", "n2", false, bob)).toEqual({ status: "absent" });
      expect(await store.attach("s", "n2", true)).toEqual({ status: "absent" });
      expect(await store.inspect("s")).toEqual(before);
      expect(await store.sessionsOf("bob")).toEqual([]);
      // n1 heard no takeover: the next event it hears is the append that follows
      await store.append("s", '"data":2');
      await n1.until(2);
      expect(n1.events.map((e) => e.type)).toEqual(["append", "append"]);
      // a tombstone of alice's is not consumed by bob either
      await store.detach("s", mine.fence);
      const t = attached(await store.attach("t", "n1", true, alice));
      await store.detach("t", t.fence);
      for (let i = 0; i < 3; i++) await store.append("t", '"data":0');
      await store.drop("t", t.fence); // gone, not a tombstone: a fresh one for the next check
      const small = await make({ replay: { max: 1 } });
      await small.attach("o", "n1", true, alice);
      await small.append("o", '"data":1');
      expect(await small.append("o", '"data":2')).toEqual({ status: "overflow" });
      expect(await small.attach("o", "n2", true, bob)).toEqual({ status: "absent" });
      expect(await small.attach("o", "n1", false, alice)).toEqual({ status: "tombstone", reason: "overflow" });
      // the owner itself resumes with its marks
      expect(attached(await store.attach("s", "n1", false, alice))).toMatchObject({ created: false, inbound: 3, sent: 2 });
      await n1.off();
    });

    it("sessionsOf: a named user's live sessions, least recently active first; none of another user's, no tombstones", async () => {
      const store = await make({ sessionTtl: TTL, replay: { max: 1 } });
      const alice = { user: "alice", sessionsPerUser: 16 };
      const a1 = attached(await store.attach("a1", "n1", true, alice));
      await wait(5);
      const a2 = attached(await store.attach("a2", "n1", true, alice));
      await wait(5);
      await store.attach("b1", "n1", true, { user: "bob", sessionsPerUser: 16 });
      await store.attach("anon", "n1", true);
      await wait(5);
      await store.detach("a1", a1.fence); // activity: a1 is now the most recent
      expect(await store.sessionsOf("alice")).toEqual(["a2", "a1"]);
      expect(await store.sessionsOf("bob")).toEqual(["b1"]);
      expect(await store.sessionsOf("nobody")).toEqual([]);
      expect(await store.sessionsOf("")).toEqual([]);
      // a tombstone (overflow) leaves the list; a dropped session too; an expired one too
      await store.append("a2", '"data":1');
      expect(await store.append("a2", '"data":2')).toEqual({ status: "overflow" });
      expect(await store.sessionsOf("alice")).toEqual(["a1"]);
      await eventually(async () => (await store.sessionsOf("alice")).length === 0, TTL + 2_000);
      const a3 = attached(await store.attach("a3", "n1", true, alice));
      await store.drop("a3", a3.fence);
      expect(await store.sessionsOf("alice")).toEqual([]);
      void a2;
    });

    it("beyond sessionsPerUser the least recently active other session is evicted, one without a live connection first", async () => {
      const store = await make();
      const n1 = await listen(store, "n1");
      const alice = { user: "alice", sessionsPerUser: 2 };
      const a1 = attached(await store.attach("a1", "n1", true, alice));
      await wait(5);
      const a2 = attached(await store.attach("a2", "n1", true, alice));
      await wait(5);
      await store.detach("a2", a2.fence); // a2 is more recent than a1, but has no live connection
      await wait(5);
      await store.attach("a3", "n1", true, alice);
      expect(await store.inspect("a2")).toMatchObject({ reset: "evicted", attached: false, buffered: 0 });
      expect(await store.sessionsOf("alice")).toEqual(["a1", "a3"]);
      await wait(5);
      // both left are attached: the least recently active one goes, and its connection's node hears reset
      await store.attach("a4", "n1", true, alice);
      await n1.until(1);
      expect(n1.events).toEqual([{ type: "reset", session: "a1", reason: "evicted" }]);
      expect(await store.sessionsOf("alice")).toEqual(["a3", "a4"]);
      expect(await store.record("a1", a1.fence, 1)).toBe("gone");
      // its client learns why on its next hello, once
      expect(await store.attach("a1", "n1", false, alice)).toEqual({ status: "tombstone", reason: "evicted" });
      expect(await store.attach("a2", "n1", false, alice)).toEqual({ status: "tombstone", reason: "evicted" });
      // re-attaching one's own session makes nothing new: no eviction
      await wait(5);
      await store.attach("a3", "n2", false, alice);
      expect(await store.sessionsOf("alice")).toEqual(["a4", "a3"]);
      // other users and the anonymous namespace are not bounded by alice's sessions
      for (let i = 0; i < 3; i++) await store.attach(`anon${i}`, "n1", true, { user: "", sessionsPerUser: 2 });
      for (let i = 0; i < 3; i++) expect(await store.inspect(`anon${i}`)).toMatchObject({ reset: undefined });
      await store.attach("b1", "n1", true, { user: "bob", sessionsPerUser: 2 });
      expect(await store.sessionsOf("bob")).toEqual(["b1"]);
      expect(await store.sessionsOf("alice")).toEqual(["a4", "a3"]);
      await n1.off();
    });

    it("keeps no heap per call: at most 16 B per store call over 100,000 calls, after GC", { timeout: 120_000 }, async () => {
      const store = await make();
      const sessions = Array.from({ length: 20 }, (_, i) => `heap-${i}`);
      const fences = new Map<string, number>();
      for (const s of sessions) fences.set(s, attached(await store.attach(s, "n1", true)).fence);
      // one round: each session appends, reads, acknowledges, records (four calls), all sessions at once
      const round = () =>
        Promise.all(
          sessions.map(async (s) => {
            const fence = fences.get(s) as number;
            const stored = await store.append(s, '"data":{"n":1}');
            if (stored.status !== "stored") throw new Error(JSON.stringify(stored));
            await store.read(s, stored.seq - 1, 10);
            await store.acknowledge(s, fence, stored.seq);
            await store.record(s, fence, stored.seq);
          }),
        ).then(() => {});
      const perCall = await heapPerCall(round, sessions.length * 4, 100_000);
      expect(perCall).toBeLessThanOrEqual(16);
    });

    it("validates its options", async () => {
      await expect(async () => harness.make({ sessionTtl: 0 })).rejects.toThrow("sessionTtl must be a positive integer, got 0");
      await expect(async () => harness.make({ replay: { max: 1.5 } })).rejects.toThrow("replay.max must be a positive integer, got 1.5");
    });

    const lose = harness.lose;
    if (lose) topicConformance({ make: () => make(), lose });
  });
}
