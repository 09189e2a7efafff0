// The topics soak: two server processes sharing a real redis-server, each
// behind a TCP proxy that drops and freezes lines, several real lifeline
// clients (atLeastOnce) subscribed to one topic and moving between the
// nodes, publications from either node, and kill -9 of a node mid-stream.
// Seeded (TOPICS_SOAK_SEED), short by default (TOPICS_SOAK_MS; longer runs
// behind the variable).
//
// What must hold: every publication a node confirmed arrives at every
// subscriber once and in offset order, offsets without holes or repeats,
// and the same data at each offset everywhere. With the default history
// (1,000 publications, 5 minutes) every outage is covered: no gap. With a
// history of 30 and long freezes, a subscriber may miss publications, but
// only after a `gap` "trimmed", and it goes on without holes after it; a
// last, deterministic outage (every line frozen while 50 are published)
// makes that gap certain rather than a matter of timing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@lifeline/client";
import type { Client } from "@lifeline/client";
import { atLeastOnce } from "@lifeline/client/at-least-once";
import { subscribe } from "@lifeline/client/topics";
import { seeded } from "../../../tools/test-kit/seeded.mjs";
import { FleetNode, delay } from "./fleet/fleet.js";
import { SKIP_REDIS, startRedis } from "./redis/redis-server.js";
import type { RedisProcess } from "./redis/redis-server.js";
import { LineProxy } from "./topics-soak/proxy.js";

const SEED = Number(process.env["TOPICS_SOAK_SEED"] ?? 7);
const DURATION = Number(process.env["TOPICS_SOAK_MS"] ?? 6_000);
const SUBSCRIBERS = 4;
const TOPIC = "soak";

interface Subscriber {
  client: Client<any, any>;
  /** What the handle emitted, in order: [offset, n] for a publication, a reason for a gap. */
  log: Array<[number, number] | string>;
  errors: unknown[];
  subscribed: boolean[];
}

const delivered = (s: Subscriber) => s.log.filter((e): e is [number, number] => typeof e !== "string");
let redis: RedisProcess;
let dir: string;

describe.skipIf(SKIP_REDIS)("topics soak: two nodes, dropped and frozen lines, a node killed mid-stream", () => {
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), "lifeline-topics-soak-"));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`default history: every confirmed publication once and in order at every subscriber, no gap (seed ${SEED}, ${DURATION} ms)`, () =>
    soak(1_000, 500), DURATION + 60_000);

  it(`a history of 30 and long freezes: what a subscriber misses comes only after a gap "trimmed" (seed ${SEED}, ${DURATION} ms)`, async () => {
    const gaps = await soak(30, 1_500);
    expect(gaps).toBeGreaterThan(0);
  }, DURATION + 60_000);

  /** One run; resolves with the number of gaps the subscribers heard. */
  async function soak(historyMax: number, freezeMs: number): Promise<number> {
    // faults and the publisher's choice of node draw from separate streams: how many publications
    // fit between two faults (timing) must not change which faults come (a kill among the first four)
    const random = seeded(SEED);
    const pickNode = seeded(SEED + 1_000);
    const env = { REDIS_URL: redis.url, KEY_PREFIX: `soak${SEED}.${historyMax}:`, HISTORY_MAX: String(historyMax) };
    const nodes = [new FleetNode("a", env, dir), new FleetNode("b", env, dir)];
    await Promise.all(nodes.map((node) => node.start()));
    const proxies = nodes.map((node) => new LineProxy(() => node.port));
    await Promise.all(proxies.map((proxy) => proxy.listen()));
    const subscribers: Subscriber[] = [];
    const confirmed = new Map<number, number>(); // offset → n
    let published = 0;
    let unconfirmed = 0;
    const faults: string[] = [];
    try {
      for (let i = 0; i < SUBSCRIBERS; i++) {
        let attempt = i;
        const client = createClient({
          url: () => proxies[attempt++ % proxies.length]!.url,
          delivery: atLeastOnce({ ackDelay: 20 }),
          heartbeat: { interval: 300, timeout: 300 },
          backoff: { initial: 20, max: 200, resetAfter: 1_000 },
          connectTimeout: 1_000,
          random: seeded(SEED * 100 + i),
        });
        const s: Subscriber = { client, log: [], errors: [], subscribed: [] };
        client.on("error", () => {}); // connect failures while a node is down or a proxy frozen are expected
        const room = subscribe(client, TOPIC);
        room.on("message", (data, { offset }) => s.log.push([offset, (data as { n: number }).n]));
        room.on("gap", ({ reason }) => s.log.push(reason));
        room.on("error", (e) => s.errors.push(e.code));
        room.on("subscribed", ({ recovered }) => s.subscribed.push(recovered));
        subscribers.push(s);
      }
      const deadline = Date.now() + 10_000;
      while (subscribers.some((s) => s.subscribed.length === 0)) {
        if (Date.now() > deadline) throw new Error("the subscribers did not subscribe");
        await delay(10);
      }

      let running = true;
      const publisher = (async () => {
        while (running) {
          const live = nodes.filter((node) => node.alive);
          if (live.length === 0) {
            await delay(5);
            continue;
          }
          const n = ++published;
          const result = await live[Math.floor(pickNode() * live.length)]!.publish(TOPIC, n);
          if (result?.ok) confirmed.set(result.offset, n);
          else unconfirmed++;
          if (n % 4 === 0) await delay(2);
        }
      })();

      const end = Date.now() + DURATION;
      while (Date.now() < end) {
        await delay(200 + Math.floor(random() * 400));
        const pick = random();
        const i = Math.floor(random() * 2);
        if (pick < 0.4) {
          faults.push(`drop ${i}`);
          proxies[i]!.drop();
        } else if (pick < 0.7) {
          faults.push(`freeze ${i}`);
          proxies[i]!.freeze();
          await delay(freezeMs / 2 + Math.floor(random() * freezeMs));
          proxies[i]!.thaw();
        } else {
          faults.push(`kill ${nodes[i]!.id}`);
          await nodes[i]!.kill();
          await delay(Math.floor(random() * 300));
          await nodes[i]!.start();
        }
      }
      running = false;
      await publisher;

      // a history of 30: the gap made certain, not left to the draw. Every line frozen (no node to
      // move to) while more than the history is published, then thawed: each subscriber must hear
      // gap "trimmed" when it resubscribes, and then live (the final publication below)
      if (historyMax < 1_000) {
        faults.push("freeze all");
        for (const proxy of proxies) proxy.freeze();
        for (let k = 0; k < historyMax + 20; k++) {
          const n = ++published;
          const result = await nodes[0]!.publish(TOPIC, n);
          if (result?.ok) confirmed.set(result.offset, n);
          else unconfirmed++;
        }
        for (const proxy of proxies) proxy.thaw();
        const before = subscribers.map((s) => s.subscribed.length);
        // the final publication after every resubscription: one made before would fall inside the gap
        const back = Date.now() + 20_000;
        while (subscribers.some((s, k) => s.subscribed.length === before[k])) {
          if (Date.now() > back) throw new Error("the subscribers did not resubscribe after the thaw");
          await delay(20);
        }
      }

      // the head: every subscriber catches up to it
      const final = await nodes[0]!.publish(TOPIC, ++published);
      if (!final?.ok) throw new Error(`the final publish failed: ${JSON.stringify(final)}`);
      confirmed.set(final.offset, published);
      const settle = Date.now() + 20_000;
      while (subscribers.some((s) => (delivered(s).at(-1)?.[0] ?? 0) < final.offset)) {
        if (Date.now() > settle) break;
        await delay(20);
      }

      const context = `seed ${SEED}; faults: ${faults.join(", ")}`;
      const head = final.offset;
      for (const [k, s] of subscribers.entries()) {
        // offsets go up by one, except right after a gap (trimmed history only), and reach the head
        let last = 0;
        let gapped = false;
        for (const entry of s.log) {
          if (typeof entry === "string") {
            expect(entry, `${context}: subscriber ${k}`).toBe("trimmed");
            gapped = true;
            continue;
          }
          const [offset, n] = entry;
          if (!gapped) expect(offset, `${context}: subscriber ${k} after ${last}`).toBe(last + 1);
          else expect(offset, `${context}: subscriber ${k} after a gap at ${last}`).toBeGreaterThan(last);
          last = offset;
          gapped = false;
          const expected = confirmed.get(offset);
          if (expected !== undefined) expect(n, `${context}: subscriber ${k} offset ${offset}`).toBe(expected);
        }
        expect(last, `${context}: subscriber ${k} reached the head`).toBe(head);
        // the frozen outage: its gap, then the final publication live
        if (historyMax < 1_000) expect(s.log.slice(-2), `${context}: subscriber ${k} after the outage`).toEqual(["trimmed", [head, published]]);
        if (historyMax >= 1_000) expect(s.log.filter((e) => typeof e === "string"), context).toEqual([]);
        expect(s.errors, context).toEqual([]);
      }
      // the same publication at each offset, everywhere
      const byOffset = new Map<number, number>();
      for (const s of subscribers) {
        for (const [offset, n] of delivered(s)) {
          expect(byOffset.get(offset) ?? n, context).toBe(n);
          byOffset.set(offset, n);
        }
      }
      expect(faults.length).toBeGreaterThan(3);
      expect(faults.some((f) => f.startsWith("kill")), context).toBe(true);
      expect(confirmed.size).toBeGreaterThan(200);
      // subscribers came back (not all need to: faults may spare a node and its proxy), each time recovered
      expect(subscribers.some((s) => s.subscribed.length > 1), context).toBe(true);
      if (historyMax >= 1_000) expect(subscribers.flatMap((s) => s.subscribed.slice(1)).every(Boolean), context).toBe(true);
      if (process.env["TOPICS_SOAK_REPORT"]) {
        const figures = {
          seed: SEED,
          faults: faults.length,
          published,
          confirmed: confirmed.size,
          unconfirmed,
          resubscribes: subscribers.map((s) => s.subscribed.length - 1),
          gaps: subscribers.map((s) => s.log.filter((e) => typeof e === "string").length),
        };
        process.stdout.write(`topics soak: ${JSON.stringify({ historyMax, ...figures })}\n`);
      }
      return subscribers.reduce((sum, s) => sum + s.log.filter((e) => typeof e === "string").length, 0);
    } finally {
      for (const s of subscribers) s.client.close();
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await Promise.all(nodes.map((node) => node.kill()));
    }
  }
});
