// Two server processes sharing one real redis-server, a real lifeline client
// (atLeastOnce) alternating between them, both streams running, and kill -9
// of one node, restart, then the other, FLEET_FAULTS times (default 20;
// FLEET_SEED picks the schedule). Then Redis itself restarted without its data.
//
// What must hold (docs/deployment.md states it for users):
// - client → server: nothing lost; a message reaches onMessage again only when
//   the node that ran its handler died before recording it, always with the
//   same (session, seq), and never more often than messages were in flight at the crashes;
// - server → client: every message send() confirmed arrives, none twice;
// - Redis data lost: announced by reset; nothing confirmed after it is lost.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FleetNode, Streams, delay } from "./fleet/fleet.js";
import { seeded } from "../../../tools/test-kit/seeded.mjs";
import { SKIP_REDIS, startRedis } from "./redis/redis-server.js";
import type { RedisProcess } from "./redis/redis-server.js";

const FAULTS = Number(process.env["FLEET_FAULTS"] ?? 20);
const SEED = Number(process.env["FLEET_SEED"] ?? 13);
/** Each fault cycle takes well under a second; a longer run (FLEET_FAULTS=200) gets time in proportion. */
const BUDGET_MS = 40_000 + FAULTS * 1_000;

let redis: RedisProcess;
let dir: string;
let nodes: FleetNode[] = [];
let streams: Streams | undefined;
let run = 0;

async function startFleet(): Promise<FleetNode[]> {
  const env = { REDIS_URL: redis.url, KEY_PREFIX: `fleet${++run}:` };
  nodes = [new FleetNode("a", env, dir), new FleetNode("b", env, dir)];
  await Promise.all(nodes.map((node) => node.start()));
  return nodes;
}

/** Every client message n handled, per n: where and under which (session, seq). */
function handledByN(): Map<number, Array<{ node: string; session: string; seq: number }>> {
  const byN = new Map<number, Array<{ node: string; session: string; seq: number }>>();
  for (const node of nodes) {
    for (const [id, session, seq, n] of node.handled()) {
      const list = byN.get(n) ?? [];
      list.push({ node: id, session, seq });
      byN.set(n, list);
    }
  }
  return byN;
}

function duplicates(values: number[]): number[] {
  const seen = new Set<number>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

describe.skipIf(SKIP_REDIS)("a fleet of two server processes sharing Redis", () => {
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), "lifeline-fleet-"));
  });
  afterEach(async () => {
    await streams?.stop();
    streams?.client.close();
    streams = undefined;
    await Promise.all(nodes.map((node) => node.kill()));
    nodes = [];
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    `kill -9 one node mid-stream, restart it, then the other: ${FAULTS} faults, nothing lost either way, no duplicate to the client, repeats only of what was in flight`,
    async () => {
      const random = seeded(SEED);
      const [a, b] = await startFleet();
      const s = (streams = new Streams([a!, b!], seeded(SEED + 1)));
      let inFlightAtCrashes = 0;
      for (let fault = 0; fault < FAULTS; fault++) {
        const victim = nodes[fault % 2]!;
        // let both streams run a while, then crash the node
        const before = { sent: s.sent, received: s.received.length };
        await delay(100 + Math.floor(random() * 250));
        for (let i = 0; i < 200 && (s.sent === before.sent || s.received.length === before.received); i++) await delay(10);
        inFlightAtCrashes += s.inFlight;
        await victim.kill();
        await delay(Math.floor(random() * 150));
        await victim.start();
      }
      await delay(200);
      await s.stop();
      await s.settle(20_000);

      const context = `seed ${SEED}`;
      // client → server: every message handled; repeats share (session, seq) and are bounded by what was in flight
      const handled = handledByN();
      const lost = Array.from({ length: s.sent }, (_, i) => i + 1).filter((n) => !handled.has(n));
      expect(lost, context).toEqual([]);
      let repeats = 0;
      for (const [n, list] of handled) {
        repeats += list.length - 1;
        const keys = new Set(list.map((h) => `${h.session}/${h.seq}`));
        expect(keys.size, `${context}: message ${n} handled as ${[...keys].join(", ")}`).toBe(1);
      }
      expect(repeats, context).toBeLessThanOrEqual(inFlightAtCrashes);
      expect(s.resets, context).toEqual([]);
      // the session moved: both nodes handled messages of it
      expect(new Set([...handled.values()].flat().map((h) => h.node))).toEqual(new Set(["a", "b"]));

      // server → client: every confirmed message arrived once, in the order sent
      expect(s.missing(), context).toEqual([]);
      expect(duplicates(s.received), context).toEqual([]);
      expect(s.received, context).toEqual([...s.received].sort((x, y) => x - y));
      expect(s.errors, context).toEqual([]);
      expect(s.confirmed.size).toBeGreaterThan(FAULTS * 10);
      expect(s.sent).toBeGreaterThan(FAULTS * 10);

      // the figures of this run, for the report and docs/deployment.md
      const figures = {
        faults: FAULTS,
        clientToServer: s.sent,
        serverToClient: s.confirmed.size,
        unconfirmedSends: s.unconfirmed.length,
        repeats,
        inFlightAtCrashes,
      };
      expect(figures.repeats).toBeLessThanOrEqual(figures.inFlightAtCrashes);
      if (process.env["FLEET_REPORT"]) process.stdout.write(`fleet figures: ${JSON.stringify(figures)}\n`);
    },
    BUDGET_MS,
  );

  it("Redis restarted mid-stream without its data: reset announced to the client, nothing lost silently", async () => {
    const [a, b] = await startFleet();
    const s = (streams = new Streams([a!, b!], seeded(SEED + 2)));
    for (let i = 0; i < 300 && (s.received.length < 50 || s.acknowledged < 50); i++) await delay(10);
    expect(s.received.length).toBeGreaterThanOrEqual(50);
    await redis.kill();
    await redis.start();
    // a send issued from here on can only be stored in the new, empty Redis
    const restartedAt = performance.now();
    // both streams go on after the loss
    const mark = { sent: s.sent, received: s.received.length };
    for (let i = 0; i < 1_000 && (s.resets.length === 0 || s.received.length < mark.received + 50 || s.acknowledged < mark.sent + 50); i++) {
      await delay(10);
    }
    await s.stop();
    const lastReset = () => s.resets.at(-1)?.at ?? -Infinity;
    // a confirmed message may be missing only if its send was issued before Redis lost it, and a reset announced that
    await s.settle(20_000, (_n, issuedAt) => issuedAt < restartedAt && issuedAt < lastReset());

    expect(s.resets.length).toBeGreaterThanOrEqual(1);
    expect(s.resets.every((r) => r.reason === "unknown-session")).toBe(true);
    // client → server: every message handled at least once (repeats after the reset come under a new session, announced)
    const handled = handledByN();
    expect(Array.from({ length: s.sent }, (_, i) => i + 1).filter((n) => !handled.has(n))).toEqual([]);
    // server → client: nothing sent after the restart is missing, nothing arrived twice
    expect(s.missing((_n, at) => at < restartedAt)).toEqual([]);
    expect(duplicates(s.received)).toEqual([]);
    expect(s.errors).toEqual([]);
    if (process.env["FLEET_REPORT"]) {
      const figures = {
        resets: s.resets.length,
        clientToServer: s.sent,
        handledAgainUnderNewSession: [...handled.values()].reduce((sum, list) => sum + list.length - 1, 0),
        serverToClient: s.confirmed.size,
        lostWithRedisAndAnnounced: s.missing().length,
      };
      process.stdout.write(`redis restart figures: ${JSON.stringify(figures)}\n`);
    }
  }, 60_000);
});
