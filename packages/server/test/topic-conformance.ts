// The topic half of a store (src/topics/history.ts) as one behavioural
// suite, run by store-conformance.ts for every store that has topics.
import { describe, expect, it } from "vitest";
import type { HistoryLimits, HistoryRead, Publication, Store, TopicHistory } from "../src/index.js";

const LIMITS: HistoryLimits = { max: 100, ttl: 60_000 };

const entries = (read: HistoryRead) => {
  if ("gap" in read) throw new Error(`expected entries, got gap ${read.gap}`);
  return read.entries.map((p) => [p.offset, JSON.parse(p.body) as unknown]);
};

export interface TopicHarness {
  /** A fresh store (closed by the caller's afterEach). */
  make(): Promise<Store>;
  /** Makes the store lose its data, as a restart without persistence would. */
  lose(store: Store): Promise<void>;
}

/** Waits (bounded) until `probe` holds. */
async function until(probe: () => boolean, ms = 3_000): Promise<void> {
  const start = Date.now();
  while (!probe()) {
    if (Date.now() - start > ms) throw new Error(`still false after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function topicConformance(harness: TopicHarness): void {
  describe("topics", () => {
    const history = async () => {
      const store = await harness.make();
      if (!store.topics) throw new Error("the store has no topics");
      return { store, topics: store.topics as TopicHistory };
    };

    it("numbers publications 1, 2, 3 within one epoch and reads them back after any position", async () => {
      const { topics } = await history();
      const a = await topics.publish("room", '{"n":1}', LIMITS);
      expect(a.offset).toBe(1);
      expect(a.epoch).not.toBe("");
      expect(await topics.publish("room", '{"n":2}', LIMITS)).toEqual({ epoch: a.epoch, offset: 2 });
      expect(await topics.publish("room", '{"n":3}', LIMITS)).toEqual({ epoch: a.epoch, offset: 3 });
      expect(await topics.publish("other", "0", LIMITS)).toMatchObject({ offset: 1 });
      expect(await topics.read("room", undefined, LIMITS)).toEqual({ epoch: a.epoch, offset: 3, entries: [] });
      expect(entries(await topics.read("room", { epoch: a.epoch, offset: 1 }, LIMITS))).toEqual([
        [2, { n: 2 }],
        [3, { n: 3 }],
      ]);
      expect(entries(await topics.read("room", { epoch: a.epoch, offset: 3 }, LIMITS))).toEqual([]);
      const read = await topics.read("room", { epoch: a.epoch, offset: 0 }, LIMITS);
      expect("entries" in read && read.entries.every((p: Publication) => p.epoch === a.epoch)).toBe(true);
    });

    it("a topic never published reads as epoch \"\" at 0, and that position continues into its first epoch", async () => {
      const { topics } = await history();
      expect(await topics.read("new", undefined, LIMITS)).toEqual({ epoch: "", offset: 0, entries: [] });
      expect(await topics.read("new", { epoch: "", offset: 0 }, LIMITS)).toEqual({ epoch: "", offset: 0, entries: [] });
      const { epoch } = await topics.publish("new", '"x"', LIMITS);
      expect(await topics.read("new", { epoch: "", offset: 0 }, LIMITS)).toEqual({ epoch, offset: 1, entries: [{ epoch, offset: 1, body: '"x"' }] });
    });

    it("answers gap trimmed once the history no longer reaches back (max), and reads what it still holds", async () => {
      const { topics } = await history();
      const limits = { max: 3, ttl: 60_000 };
      let epoch = "";
      for (let n = 1; n <= 5; n++) ({ epoch } = await topics.publish("t", String(n), limits));
      expect(await topics.read("t", { epoch, offset: 1 }, limits)).toEqual({ epoch, offset: 5, gap: "trimmed" });
      expect(entries(await topics.read("t", { epoch, offset: 2 }, limits))).toEqual([
        [3, 3],
        [4, 4],
        [5, 5],
      ]);
    });

    it("keeps exactly the last max publications through many publications", async () => {
      const { topics } = await history();
      const limits = { max: 10, ttl: 60_000 };
      let epoch = "";
      for (let n = 1; n <= 250; n++) {
        ({ epoch } = await topics.publish("t", String(n), limits));
        if (n % 37 === 0) {
          expect(await topics.read("t", { epoch, offset: n - 11 }, limits), `after ${n}`).toMatchObject({ gap: "trimmed" });
          expect(entries(await topics.read("t", { epoch, offset: n - 10 }, limits)), `after ${n}`).toEqual(Array.from({ length: 10 }, (_, i) => [n - 9 + i, n - 9 + i]));
        }
      }
    });

    it("keeps no history with max 0: only a subscriber at the head continues", async () => {
      const { topics } = await history();
      const limits = { max: 0, ttl: 60_000 };
      const { epoch } = await topics.publish("t", "1", limits);
      expect(await topics.read("t", { epoch, offset: 0 }, limits)).toEqual({ epoch, offset: 1, gap: "trimmed" });
      expect(await topics.read("t", { epoch, offset: 1 }, limits)).toEqual({ epoch, offset: 1, entries: [] });
    });

    it("answers gap trimmed for publications older than ttl, and keeps the epoch and offset", async () => {
      const { topics } = await history();
      const limits = { max: 100, ttl: 150 };
      const { epoch } = await topics.publish("t", "1", limits);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await topics.read("t", { epoch, offset: 0 }, limits)).toEqual({ epoch, offset: 1, gap: "trimmed" });
      expect(await topics.publish("t", "2", limits)).toEqual({ epoch, offset: 2 });
      expect(entries(await topics.read("t", { epoch, offset: 1 }, limits))).toEqual([[2, 2]]);
    });

    it("answers gap epoch for a position of another epoch, or ahead of the head", async () => {
      const { topics } = await history();
      const { epoch } = await topics.publish("t", "1", LIMITS);
      expect(await topics.read("t", { epoch: "other", offset: 1 }, LIMITS)).toEqual({ epoch, offset: 1, gap: "epoch" });
      expect(await topics.read("t", { epoch, offset: 7 }, LIMITS)).toEqual({ epoch, offset: 1, gap: "epoch" });
    });

    it("starts a new epoch at offset 1 when the store lost the topic", async () => {
      const { store, topics } = await history();
      const first = await topics.publish("t", "1", LIMITS);
      await topics.publish("t", "2", LIMITS);
      await harness.lose(store);
      expect(await topics.read("t", { epoch: first.epoch, offset: 2 }, LIMITS)).toMatchObject({ gap: "epoch" });
      const again = await topics.publish("t", "3", LIMITS);
      expect(again.offset).toBe(1);
      expect(again.epoch).not.toBe(first.epoch);
      expect(await topics.read("t", { epoch: first.epoch, offset: 2 }, LIMITS)).toEqual({ epoch: again.epoch, offset: 1, gap: "epoch" });
    });

    it("tells every listener of a topic each publication once, in order, and nothing after it stopped", async () => {
      const { topics } = await history();
      const heard: Array<[string, number, string]> = [];
      const offA = await topics.listen("t", (p) => p && heard.push(["a", p.offset, p.body]));
      const offB = await topics.listen("t", (p) => p && heard.push(["b", p.offset, p.body]));
      const offOther = await topics.listen("u", (p) => p && heard.push(["u", p.offset, p.body]));
      for (let n = 1; n <= 20; n++) await topics.publish("t", String(n), LIMITS);
      await until(() => heard.length === 40);
      const of = (who: string) => heard.filter(([w]) => w === who).map(([, offset, body]) => [offset, body]);
      const expected = Array.from({ length: 20 }, (_, i) => [i + 1, String(i + 1)]);
      expect(of("a")).toEqual(expected);
      expect(of("b")).toEqual(expected);
      await offA();
      await topics.publish("t", "21", LIMITS);
      await until(() => heard.length === 41);
      expect(heard.at(-1)).toEqual(["b", 21, "21"]);
      await offB();
      await offOther();
      await topics.publish("t", "22", LIMITS);
      await topics.publish("u", "1", LIMITS);
      await topics.read("t", undefined, LIMITS); // a round trip to the store: anything heard would be here by now
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toHaveLength(41);
    });
  });
}
