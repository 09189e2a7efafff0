// The connections' marks written to Redis in groups (src/redis/marks.ts):
// a lone mark goes at once; marks asked for while a group is in flight go
// together (written in one go), once it is answered and no sooner than 2 ms
// after it went; every caller gets its own reply. The writes are stand-ins here
// (each answered when the test says), so the order of events is exact; the
// store's use of it against a real redis-server is in the store's own tests.
import { describe, expect, it } from "vitest";
import { MarkGroups } from "../src/redis/marks.js";

interface Call {
  keys: readonly string[];
  args: ReadonlyArray<string | number>;
  answer(reply: unknown): void;
  fail(error: Error): void;
}

function harness() {
  const calls: Call[] = [];
  /**
   * The marks of each group, by their first key: the calls made in one go (one
   * synchronous stretch), which the store's runner sends in one write to Redis.
   */
  const writes: string[][] = [];
  let inStretch = false;
  const groups = new MarkGroups(
    (keys, args) =>
      new Promise((answer, fail) => {
        calls.push({ keys, args, answer, fail });
        if (!inStretch) {
          inStretch = true;
          writes.push([]);
          queueMicrotask(() => (inStretch = false));
        }
        writes.at(-1)!.push(keys[0]!);
      }),
  );
  return { groups, calls, writes };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** Waits (bounded: 500 ms) until `done`, answering every write meanwhile when `answer` is given. */
async function until(done: () => boolean, calls?: Call[]): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) {
    for (const call of calls?.splice(0) ?? []) call.answer("ok");
    await tick();
  }
}

describe("redisStore: marks in groups", () => {
  it("a lone mark goes at once (before any timer), and its caller gets its reply", async () => {
    const { groups, calls, writes } = harness();
    const reply = groups.add(["s1"], [7, 1]);
    await Promise.resolve();
    expect(writes).toEqual([["s1"]]);
    expect(calls[0]!.args).toEqual([7, 1]);
    calls[0]!.answer("ok");
    await expect(reply).resolves.toBe("ok");
  });

  it("the marks of one stretch go in one write", async () => {
    const { groups, writes } = harness();
    void groups.add(["a"], [1, 1]);
    void groups.add(["b"], [1, 1]);
    void groups.add(["c"], [1, 1]);
    await Promise.resolve();
    expect(writes).toEqual([["a", "b", "c"]]);
  });

  it("marks asked for while a group is in flight wait for its answers, then go together, at least 2 ms after it", async () => {
    const { groups, calls, writes } = harness();
    void groups.add(["a"], [1, 1]);
    await Promise.resolve();
    const sentAt = performance.now();
    const later = ["b", "c", "d"].map((key) => groups.add([key], [1, 2]));
    await settle();
    // the first group is not answered: nothing else went
    expect(writes).toEqual([["a"]]);
    calls[0]!.answer("ok");
    await until(() => writes.length >= 2);
    expect(writes).toEqual([["a"], ["b", "c", "d"]]);
    // (Node's timers fire on the loop's cached clock: up to a millisecond early against performance.now())
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(1);
    calls.slice(1).forEach((call, i) => call.answer(i === 1 ? "fenced" : "ok"));
    await expect(Promise.all(later)).resolves.toEqual(["ok", "fenced", "ok"]);
  });

  it("a failed write rejects only its caller; the next group still goes", async () => {
    const { groups, calls, writes } = harness();
    const first = groups.add(["a"], [1, 1]);
    const second = groups.add(["b"], [1, 1]);
    await Promise.resolve();
    const third = groups.add(["c"], [1, 1]);
    calls[0]!.fail(new Error("connection closed"));
    calls[1]!.answer("ok");
    await expect(first).rejects.toThrow("connection closed");
    await expect(second).resolves.toBe("ok");
    await until(() => writes.length >= 2);
    expect(writes).toEqual([["a", "b"], ["c"]]);
    calls[2]!.answer("gone");
    await expect(third).resolves.toBe("gone");
  });

  it("a write that throws rejects its caller, and does not stop the group", async () => {
    const writes: string[] = [];
    const groups = new MarkGroups((keys) => {
      if (keys[0] === "bad") throw new Error("the store is closed");
      writes.push(keys[0]!);
      return Promise.resolve("ok");
    });
    const bad = groups.add(["bad"], []);
    const good = groups.add(["good"], []);
    await expect(bad).rejects.toThrow("the store is closed");
    await expect(good).resolves.toBe("ok");
    expect(writes).toEqual(["good"]);
  });

  it("under a steady stream of marks, groups go at most every 2 ms, and every mark is written", async () => {
    const { groups, calls, writes } = harness();
    const started = performance.now();
    const replies: Promise<unknown>[] = [];
    // a mark every turn of the loop, 300 turns, each written mark answered at once
    for (let i = 0; i < 300; i++) {
      replies.push(groups.add([`s${i}`], [1, 1]));
      for (const call of calls.splice(0)) call.answer("ok");
      await settle();
    }
    await until(() => writes.flat().length === 300, calls);
    for (const call of calls.splice(0)) call.answer("ok");
    expect(writes.flat()).toEqual(Array.from({ length: 300 }, (_, i) => `s${i}`));
    // one group per 2 ms at most (a millisecond of timer slack each)
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(performance.now() - started) + 1);
    expect(writes.length).toBeLessThan(300);
    await Promise.all(replies);
  });
});
