// A node's topics over time: connections come, subscribe, hear publications
// and go, many thousands of times; the heap after GC must stay flat (bytes
// per cycle), because every feed, subscription and listener has a release.
// Driven on the hub and the memory history directly (no sockets), so the
// figure is the topic code's own.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { memoryStore } from "../src/index.js";
import { TopicHub } from "../src/topics/hub.js";
import type { TopicConnection } from "../src/topics/hub.js";
import { resolveTopics } from "../src/topics/options.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function heap(): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    lowest = Math.min(lowest, process.memoryUsage().heapUsed);
  }
  return lowest;
}

it("subscribe, publish, leave: a flat heap after GC (bytes per cycle)", async () => {
  const store = memoryStore();
  const hub = new TopicHub(store.topics, resolveTopics({ history: { max: 50 } }, () => true), () => {});
  let written = 0;
  let session = 0;
  const cycle = async (i: number) => {
    const conn: TopicConnection = {
      session: `s${++session}`,
      user: undefined,
      congested: false,
      whenDrained: (resume) => resume(),
      write: () => void written++,
      fail: () => {},
    };
    await hub.frame(conn, { t: "sub", topic: `room:${i % 20}`, from: i % 3 === 0 ? { epoch: "", offset: 0 } : undefined });
    await hub.frame(conn, { t: "sub", topic: "all", from: undefined });
    await hub.publish(`room:${i % 20}`, { i });
    await hub.publish("all", { i });
    if (i % 2) await hub.frame(conn, { t: "unsub", topic: "all" });
    hub.leave(conn);
  };
  const run = async (from: number, to: number) => {
    for (let i = from; i < to; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => cycle(i + k)));
  };
  await run(0, 2_000);
  const before = await heap();
  await run(2_000, 12_000);
  const after = await heap();
  const perCycle = (after - before) / 10_000;
  expect(written).toBeGreaterThan(20_000);
  expect(hub.topics).toBe(0);
  // a leak of one subscription record per cycle would be well above 100 bytes
  expect(perCycle).toBeLessThan(40);
  await hub.close();
  await store.close();
}, 60_000);
