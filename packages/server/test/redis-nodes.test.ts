// Two lifeline nodes in this process sharing one real redis-server, spoken to
// frame by frame: a send() from either node reaches the session wherever it
// is connected, a session moves between nodes (the old connection is closed
// 4409), and Redis losing its data is announced with reset, never silent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLOSE } from "../src/index.js";
import { redisStore } from "../src/redis.js";
import { ackOf, isReset, msgOf, rawClient, roundTrip, startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";
import { SKIP_REDIS, startRedis } from "./redis/redis-server.js";
import type { RedisProcess } from "./redis/redis-server.js";

let redis: RedisProcess;
let nodes: Harness[] = [];
let run = 0;

async function fleet(seen: Array<[string, string, number, unknown]> = []): Promise<[Harness, Harness]> {
  const keyPrefix = `r${++run}:`;
  const start = (node: string) =>
    startLifeline({
      node,
      store: redisStore({ url: redis.url, keyPrefix }),
      onMessage: ({ session, seq }, data) => void seen.push([node, session, seq, data]),
    });
  nodes = [await start("a"), await start("b")];
  return nodes as [Harness, Harness];
}

describe.skipIf(SKIP_REDIS)("lifeline nodes sharing Redis", () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const h of nodes) {
      await h.close();
      await h.lifeline.store.close();
    }
    nodes = [];
  });

  it("send() on either node reaches the client connected to the other, in order", async () => {
    const [a, b] = await fleet();
    const c = await rawClient(a.url);
    c.send({ t: "hello", session: "s1", ack: 0 });
    await c.next(ackOf(0));
    for (let n = 1; n <= 6; n++) expect(await (n % 2 ? b : a).lifeline.send("s1", { n })).toEqual({ ok: true, seq: n });
    await c.next(msgOf(6));
    expect(c.of("msg").map((f) => [f.seq, (f.data as { n: number }).n])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, n]));
    await c.close();
  });

  it("a session moves to the other node: replay above R, no repeat of handled messages, the old connection closed 4409", async () => {
    const seen: Array<[string, string, number, unknown]> = [];
    const [a, b] = await fleet(seen);
    const first = await rawClient(a.url);
    first.send({ t: "hello", session: "m", ack: 0 });
    first.send({ t: "msg", seq: 1, data: "one" });
    first.send({ t: "msg", seq: 2, data: "two" });
    await first.next(ackOf(2));
    for (let n = 1; n <= 3; n++) await b.lifeline.send("m", n);
    await first.next(msgOf(3));
    first.send({ t: "ack", seq: 1 });
    await roundTrip(first);

    // the client opens a second connection to b while the first still stands (a half-open line, say)
    const second = await rawClient(b.url);
    second.send({ t: "hello", session: "m", ack: 1 });
    expect((await second.next((f) => typeof f === "object" && f.t === "ack")).seq).toBe(2);
    await second.next(msgOf(3));
    expect(second.of("msg").map((f) => f.seq)).toEqual([2, 3]);
    expect((await first.closed).code).toBe(CLOSE.TAKEN_OVER);
    second.send({ t: "msg", seq: 2, data: "two" });
    second.send({ t: "msg", seq: 3, data: "three" });
    await second.next(ackOf(3));
    expect(seen.map(([node, , seq]) => [node, seq])).toEqual([
      ["a", 1],
      ["a", 2],
      ["b", 3],
    ]);
    expect(b.lifeline.stats()).toMatchObject({ duplicates: 1 });
    await second.close();
  });

  it("Redis restarted without its data: the bound connection announces reset; a hello with R > 0 gets reset; send() says unknown-session", async () => {
    const seen: Array<[string, string, number, unknown]> = [];
    const [a, b] = await fleet(seen);
    const c = await rawClient(a.url);
    c.send({ t: "hello", session: "lost", ack: 0 });
    c.send({ t: "msg", seq: 1, data: 1 });
    await c.next(ackOf(1));
    await b.lifeline.send("lost", "before");
    await c.next(msgOf(1));
    await redis.restart();
    // the next write for the session finds nothing: reset, not a silent fresh start
    c.send({ t: "msg", seq: 2, data: 2 });
    expect(await c.next(isReset, 0, 10_000)).toEqual({ t: "reset", reason: "unknown-session" });
    expect(await b.lifeline.send("lost", "after")).toEqual({ ok: false, reason: "unknown-session" });

    // another client that was away when Redis lost its data
    const d = await rawClient(b.url);
    d.send({ t: "hello", session: "away", ack: 5 });
    expect(await d.next(isReset)).toEqual({ t: "reset", reason: "unknown-session" });
    await Promise.all([c.close(), d.close()]);
  });
});
