// A mixed load on two nodes sharing a real Redis for a minute (SERVER_SOAK_MS
// to change it): 20 clients of 5 users churn through sessions on either node
// (hello, 10 messages each way, acks, then a clean close or a dead line);
// sessions expire after 1 s and a user's idle ones are evicted. The heap,
// sampled after GC, must not grow with the work done: its slope over the
// messages handled stays under 64 B per message once warmed up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/redis.js";
import { settledHeap } from "./heap/per-call.js";
import { ackOf, msgOf, rawClient, roundTrip, startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";
import { SKIP_REDIS, startRedis } from "./redis/redis-server.js";
import type { RedisProcess } from "./redis/redis-server.js";
import { seeded } from "../../../tools/test-kit/seeded.mjs";

const DURATION_MS = Number(process.env["SERVER_SOAK_MS"] ?? 60_000);
const WORKERS = 20;
const PER_SESSION = 10;

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

describe.skipIf(SKIP_REDIS)("heap over time, two nodes sharing Redis", () => {
  let redis: RedisProcess;
  let nodes: Harness[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    // sessions ended are forgotten 3 s later (the churn); a live one's lease is sessionTtl + a third of it, renewed every
    // third: 1 s (1.33 s leases) lost live sessions on a starved machine, where a renewal came more than a second late
    const start = (node: string) => startLifeline({ node, store: redisStore({ url: redis.url, keyPrefix: "soak:", sessionTtl: 3_000 }) });
    nodes = [await start("a"), await start("b")];
  });
  afterAll(async () => {
    for (const h of nodes) {
      await h.close();
      await h.lifeline.store.close();
    }
    await redis?.stop();
  });

  it(`${DURATION_MS / 1000} s of churned sessions, messages both ways: heap flat (< 64 B per message)`, { timeout: DURATION_MS + 60_000 }, async () => {
    const random = seeded(Number(process.env["SERVER_SOAK_SEED"] ?? 23));
    const end = Date.now() + DURATION_MS;
    let messages = 0;
    let cycles = 0;
    const problems: string[] = [];

    const worker = async (w: number) => {
      for (let i = 0; Date.now() < end; i++) {
        const [here, there] = random() < 0.5 ? [nodes[0]!, nodes[1]!] : [nodes[1]!, nodes[0]!];
        const session = `w${w}-${i}`;
        const c = await rawClient(`${here.url}/?user=u${w % 5}`);
        c.send({ t: "hello", session, ack: 0 });
        await c.next(ackOf(0));
        for (let n = 1; n <= PER_SESSION; n++) c.send({ t: "msg", seq: n, data: { n } });
        const sends = Array.from({ length: PER_SESSION }, (_, n) => (n % 2 ? here : there).lifeline.send(session, { n }));
        await c.next(ackOf(PER_SESSION));
        if (!(await Promise.all(sends)).every((r) => r.ok)) problems.push(`${session}: a send was refused`);
        await c.next(msgOf(PER_SESSION));
        c.send({ t: "ack", seq: PER_SESSION });
        await roundTrip(c);
        if (c.of("reset").length > 0) problems.push(`${session}: reset ${JSON.stringify(c.of("reset"))}`);
        if (random() < 0.5) await c.close();
        else c.ws.terminate();
        messages += 2 * PER_SESSION;
        cycles++;
      }
    };

    const samples: Array<[number, number]> = [];
    const sampler = (async () => {
      const warmUp = Date.now() + DURATION_MS / 4;
      while (Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(1_000, DURATION_MS / 20)));
        if (Date.now() >= warmUp) samples.push([messages, await settledHeap()]);
      }
    })();
    await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), sampler]);

    expect(problems).toEqual([]);
    expect(cycles).toBeGreaterThan(WORKERS);
    expect(samples.length).toBeGreaterThanOrEqual(5);
    const perMessage = slope(samples);
    if (process.env["SERVER_SOAK_REPORT"]) {
      process.stdout.write(`soak: ${cycles} sessions, ${messages} messages, heap ${samples.map(([, h]) => (h / 1048576).toFixed(1)).join(" ")} MiB, slope ${perMessage.toFixed(1)} B/message\n`);
    }
    expect(perMessage).toBeLessThan(64);
  });
});
