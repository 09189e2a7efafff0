// Topics across two lifeline nodes sharing a real redis-server: publish from
// either node reaches subscribers on both, a subscriber that moves to the
// other node recovers from the Redis stream, each publication is one stream
// entry and one notification per node, and a dropped Pub/Sub link loses nothing.
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { redisStore } from "../src/redis.js";
import { ackOf, rawClient, roundTrip, startLifeline } from "./helpers.js";
import type { Frame, Harness, RawClient } from "./helpers.js";
import { SKIP_REDIS } from "./redis/redis-server.js";
import { useRedis } from "./redis/shared-redis.js";
import type { RedisProcess } from "./redis/redis-server.js";

let redis: RedisProcess;
let admin: Redis;
let nodes: Harness[] = [];
let run = 0;
let sessions = 0;

async function fleet(options: { max?: number } = {}): Promise<[Harness, Harness, string]> {
  const keyPrefix = `tp${++run}:`;
  const start = (node: string) =>
    startLifeline({ node, store: redisStore({ url: redis.url, keyPrefix }), topics: { history: { max: options.max ?? 1_000 } } });
  nodes = [await start("a"), await start("b")];
  return [nodes[0] as Harness, nodes[1] as Harness, keyPrefix];
}

async function greeted(url: string, session = `s${++sessions}`, resume = false): Promise<RawClient> {
  const c = await rawClient(url);
  c.send({ t: "hello", session, ack: 0, ...(resume && { resume: true }) });
  await c.next(ackOf(0));
  return c;
}

const isT = (t: string) => (f: Frame | string) => typeof f === "object" && f.t === t;
const pubOf = (offset: number) => (f: Frame | string) => isT("pub")(f) && (f as Frame)["offset"] === offset;
const offsets = (c: RawClient) => c.of("pub").map((f) => f["offset"]);

describe.skipIf(SKIP_REDIS)("topics on nodes sharing Redis", () => {
  useRedis((shared) => ({ redis, admin } = shared));
  afterEach(async () => {
    for (const h of nodes) {
      await h.close();
      await h.lifeline.store.close();
    }
    nodes = [];
  });

  it("publish() on either node reaches subscribers on both, in offset order; one stream entry per publication, one channel subscription per node", async () => {
    const [a, b, prefix] = await fleet();
    const clients = [...(await Promise.all([1, 2, 3].map(() => greeted(a.url)))), ...(await Promise.all([1, 2, 3].map(() => greeted(b.url))))];
    for (const c of clients) c.send({ t: "sub", topic: "room" });
    await Promise.all(clients.map((c) => c.next(isT("subscribed"))));
    expect(await admin.call("PUBSUB", "NUMSUB", `${prefix}topic:room`)).toEqual([`${prefix}topic:room`, 2]);
    for (let n = 1; n <= 20; n++) expect(await (n % 2 ? a : b).lifeline.publish("room", { n })).toMatchObject({ ok: true, offset: n });
    await Promise.all(clients.map((c) => c.next(pubOf(20))));
    for (const c of clients) {
      expect(offsets(c)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(c.of("pub").map((f) => (f["data"] as { n: number }).n)).toEqual(offsets(c));
    }
    expect(await admin.xlen(`${prefix}topic:{room}:s`)).toBe(20);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("a subscriber that moves to the other node recovers what was published meanwhile from Redis, once and in order", async () => {
    const [a, b] = await fleet();
    const c = await greeted(a.url, "mover");
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("subscribed"));
    const { epoch } = (await a.lifeline.publish("t", 1)) as { epoch: string };
    await c.next(pubOf(1));
    await c.close();
    for (let n = 2; n <= 6; n++) await (n % 2 ? a : b).lifeline.publish("t", n);
    const back = await greeted(b.url, "mover", true);
    back.send({ t: "sub", topic: "t", epoch, offset: 1 });
    expect(await back.next(isT("subscribed"))).toEqual({ t: "subscribed", topic: "t", epoch, offset: 1, recovered: true });
    await a.lifeline.publish("t", 7);
    await back.next(pubOf(7));
    expect(offsets(back)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(back.of("pub").map((f) => f["data"])).toEqual([2, 3, 4, 5, 6, 7]);
    await back.close();
  });

  it("history trimmed by max in Redis: gap trimmed on resubscribe, then live", async () => {
    const [a, b] = await fleet({ max: 3 });
    let epoch = "";
    for (let n = 1; n <= 6; n++) ({ epoch } = (await a.lifeline.publish("t", n)) as { epoch: string });
    const c = await greeted(b.url);
    c.send({ t: "sub", topic: "t", epoch, offset: 1 });
    expect(await c.next(isT("gap"))).toEqual({ t: "gap", topic: "t", reason: "trimmed", epoch, offset: 6 });
    expect(await c.next(isT("subscribed"))).toMatchObject({ offset: 6, recovered: false });
    await a.lifeline.publish("t", 7);
    await c.next(pubOf(7));
    expect(offsets(c)).toEqual([7]);
    await c.close();
  });

  it("a Pub/Sub link that drops loses nothing: the node reads back what it did not hear", async () => {
    const [a, b] = await fleet();
    const c = await greeted(a.url);
    c.send({ t: "sub", topic: "t" });
    await c.next(isT("subscribed"));
    await b.lifeline.publish("t", 1);
    await c.next(pubOf(1));
    // kill node a's subscriber connections; publish while they are away
    await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
    for (let n = 2; n <= 5; n++) await b.lifeline.publish("t", n);
    await c.next(pubOf(5), 0, 10_000);
    expect(offsets(c)).toEqual([1, 2, 3, 4, 5]);
    await b.lifeline.publish("t", 6);
    await c.next(pubOf(6));
    expect(offsets(c)).toEqual([1, 2, 3, 4, 5, 6]);
    await roundTrip(c);
    await c.close();
  });

  it("Redis lost its data: a resubscribe from the old epoch gets gap epoch", async () => {
    const [a] = await fleet();
    const { epoch } = (await a.lifeline.publish("t", 1)) as { epoch: string };
    await redis.restart();
    const now = (await a.lifeline.publish("t", 2)) as { epoch: string; offset: number };
    expect(now.offset).toBe(1);
    expect(now.epoch).not.toBe(epoch);
    const c = await greeted(a.url);
    c.send({ t: "sub", topic: "t", epoch, offset: 1 });
    expect(await c.next(isT("gap"))).toMatchObject({ reason: "epoch", epoch: now.epoch, offset: 1 });
    await c.close();
  });
});
