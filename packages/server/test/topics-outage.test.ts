// One subscriber whose line freezes while more than the history holds is
// published, then comes back (a real lifeline client behind a TCP proxy,
// one node, memory store): it must hear `gap` "trimmed", then every
// publication from the head on, once and in order, and keep hearing new
// ones. Deterministic: the outage is made, not drawn. And the race of a
// (re)subscribe with publications: none falls between the history read and
// the live fan-out, none comes twice.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@lifeline/client";
import type { Client } from "@lifeline/client";
import { atLeastOnce } from "@lifeline/client/at-least-once";
import { subscribe } from "@lifeline/client/topics";
import { redisStore } from "../src/redis.js";
import { ackOf, lifelinePerTest, rawClient, startLifeline } from "./helpers.js";
import type { Frame, Harness } from "./helpers.js";
import { SKIP_REDIS, startRedis } from "./redis/redis-server.js";
import type { RedisProcess } from "./redis/redis-server.js";
import { LineProxy } from "./topics-soak/proxy.js";

const start = lifelinePerTest();
let closing: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** Polls `check` every 5 ms, at most 2,000 times. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe("topics: a subscriber back from an outage longer than the history", () => {
  for (const outage of ["frozen", "dropped"] as const) {
    it(`${outage} line, 100 publications past a history of 30: gap trimmed, then from the head, once and in order, then live`, async () => {
      const h = await start({ topics: { history: { max: 30 } } });
      const proxy = new LineProxy(() => Number(new URL(h.url).port));
      await proxy.listen();
      closing.push(() => proxy.close());
      const client: Client<any, any> = createClient({
        url: proxy.url,
        delivery: atLeastOnce({ ackDelay: 20 }),
        heartbeat: { interval: 100, timeout: 100 },
        backoff: { initial: 10, max: 50 },
      });
      closing.push(() => client.close());
      client.on("error", () => {}); // connect failures while the proxy is frozen are expected
      const log: Array<number | string> = [];
      const room = subscribe(client, "t");
      room.on("message", (data, { offset }) => {
        expect(data).toEqual({ n: offset });
        log.push(offset);
      });
      room.on("gap", ({ reason }) => log.push(reason));
      const subscribed: boolean[] = [];
      room.on("subscribed", ({ recovered }) => subscribed.push(recovered));
      await until(() => subscribed.length === 1);
      let n = 0;
      for (; n < 10; ) await h.lifeline.publish("t", { n: ++n });
      await until(() => log.at(-1) === 10);

      if (outage === "frozen") proxy.freeze();
      else proxy.drop();
      for (; n < 110; ) await h.lifeline.publish("t", { n: ++n });
      if (outage === "frozen") {
        // long enough for the heartbeat to give the line up
        await new Promise((resolve) => setTimeout(resolve, 400));
        proxy.thaw();
      }
      await until(() => subscribed.length === 2);
      for (; n < 120; ) await h.lifeline.publish("t", { n: ++n });
      await until(() => log.at(-1) === 120);
      const expected = [...Array.from({ length: 10 }, (_, i) => i + 1), "trimmed", ...Array.from({ length: 10 }, (_, i) => 111 + i)];
      expect(log).toEqual(expected);
    });
  }
});

/**
 * Resubscribes one raw connection 40 times from its last position while
 * `publish` runs, and checks that what follows each `subscribed` continues
 * from its offset without a hole or a repeat.
 */
async function churn(h: Harness, publisher: Harness, total: number): Promise<void> {
  const c = await rawClient(h.url);
  closing.push(() => c.close());
  c.send({ t: "hello", session: `churn${total}`, ack: 0 });
  await c.next(ackOf(0));
  const isSubscribed = (f: Frame | string) => typeof f === "object" && f.t === "subscribed";
  let published = 0;
  const publishing = (async () => {
    while (published < total) {
      await publisher.lifeline.publish("race", ++published);
      // a few per turn: the resubscribes land between them, not after them all
      if (published % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  let position: { epoch: string; offset: number } | undefined;
  let checked = 0;
  for (let round = 0; round < 40 || published < total; round++) {
    const from = c.frames.length;
    c.send({ t: "sub", topic: "race", ...position });
    const answer = await c.next(isSubscribed, from);
    const at = c.frames.indexOf(answer, from);
    // let some publications through, a different number each round
    for (let i = 0; i < round % 5; i++) await new Promise((resolve) => setImmediate(resolve));
    const segment = c.frames.slice(at + 1).filter((f): f is Frame => typeof f === "object" && f.t === "pub");
    const expected = Array.from({ length: segment.length }, (_, i) => (answer["offset"] as number) + 1 + i);
    expect(segment.map((f) => f["offset"]), `round ${round}`).toEqual(expected);
    expect(segment.map((f) => f["data"])).toEqual(expected);
    if (position) expect(answer["recovered"], `round ${round}`).toBe(true);
    checked += segment.length;
    const last = segment.at(-1);
    position = { epoch: (last ?? answer)["epoch"] as string, offset: (last ?? answer)["offset"] as number };
  }
  await publishing;
  // most of the publications went through the check, spread over the rounds
  expect(checked).toBeGreaterThan(total / 2);
}

describe("topics: a resubscribe racing publications", () => {
  it("memory store: what follows each subscribed continues from its offset, no hole, no repeat", async () => {
    const h = await start({ topics: { history: { max: 10_000 } } });
    await churn(h, h, 2_000);
  });

  describe.skipIf(SKIP_REDIS)("Redis, publishing on another node", () => {
    let redis: RedisProcess;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis?.stop();
    });
    it("what follows each subscribed continues from its offset, no hole, no repeat", async () => {
      const nodes: Harness[] = [];
      closing.push(async () => {
        for (const node of nodes) {
          await node.close();
          await node.lifeline.store.close();
        }
      });
      for (const node of ["a", "b"]) {
        nodes.push(await startLifeline({ node, store: redisStore({ url: redis.url, keyPrefix: "race:" }), topics: { history: { max: 10_000 } } }));
      }
      await churn(nodes[0]!, nodes[1]!, 1_000);
    });
  });
});
