// The chaos soak: one client on Node's global WebSocket sends a numbered
// stream at a steady rate while the test server injects faults from a seeded
// schedule; at the end the server's record is checked against what send()
// promised. `soak({ delivery })` runs it for either delivery mode.
import { expect } from "vitest";
import { createDelivery, startServer } from "@lifeline/test-server";
import type { DeliveryConnection } from "@lifeline/test-server";
import { createClient } from "../../src/index.js";
import type { Client, SendResult } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { createRandom, pause, report, waitUntil } from "./helpers.js";

export type Delivery = "at-most-once" | "at-least-once";

export interface SoakOptions {
  delivery: Delivery;
  /** How long faults are injected. @default LIFELINE_SOAK_MS or 30_000 */
  durationMs?: number;
  /** @default LIFELINE_SOAK_SEED or a fresh one (printed either way) */
  seed?: number;
  /** Keep injecting past `durationMs` until this many faults were injected. @default 50 */
  minFaults?: number;
}

export interface SoakReport {
  delivery: Delivery;
  seed: number;
  faults: number;
  byKind: Record<FaultKind, number>;
  /** Messages accepted by send() ("sent" or "queued"). */
  messages: number;
  sent: number;
  queued: number;
  /** "queued" messages that never arrived (must be 0). */
  queuedLost: number;
  /** "sent" messages that never arrived (at-most-once: a connection died under them). */
  inFlightLost: number;
  /** Messages the server application received more than once. */
  duplicates: number;
  /** Acknowledged delivery: resends the server recognised and dropped. */
  resendsDropped: number;
  opens: number;
  heartbeatTimeouts: number;
}

type FaultKind = "dropAll" | "terminateAll" | "freeze" | "restart" | "rejectNext";
const FAULTS: readonly FaultKind[] = ["dropAll", "terminateAll", "freeze", "restart", "rejectNext"];
/** Close codes after which the client reconnects by default (1002, 1003, 1007–1010 and 44xx would stop it). */
const RECONNECTING_CODES = [1000, 1001, 1011, 1012, 1013, 3000, 4000, 4999] as const;
const SEND_EVERY_MS = 5;
const WAIT_MS = 15_000;

/** Longest time faults may go on when `minFaults` is not reached within the duration. */
export function hardLimit(durationMs: number): number {
  return Math.max(durationMs * 3, 60_000);
}

/** A test timeout that covers a whole soak: the fault phase at its longest plus the final waits. */
export function soakTimeout(durationMs = envNumber("LIFELINE_SOAK_MS") ?? 30_000): number {
  return hardLimit(durationMs) + 4 * WAIT_MS + 30_000;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

/** The server end for acknowledged delivery: envelopes are unwrapped, acknowledged and de-duplicated. */
async function acknowledgingServer() {
  const delivery = createDelivery();
  // one delivery connection per server connection (a connection's `reply` always writes to it)
  const connections = new Map<number, DeliveryConnection>();
  const server = await startServer({
    onMessage(ctx) {
      let conn = connections.get(ctx.client);
      if (!conn) connections.set(ctx.client, (conn = delivery.connection(ctx.reply)));
      if (!ctx.binary) conn.handle(String(ctx.data));
      return true;
    },
  });
  server.events.on("disconnect", ({ client }) => {
    connections.get(client)?.close();
    connections.delete(client);
  });
  return {
    server,
    count: () => delivery.delivered.length,
    at: (i: number) => (delivery.delivered[i]!.data as { n: number }).n,
    duplicates: () => delivery.duplicates,
  };
}

/** The server end for plain delivery: it echoes (which keeps the heartbeat quiet) and records every frame. */
async function echoServer() {
  const server = await startServer();
  return {
    server,
    count: () => server.received.length,
    at: (i: number) => (JSON.parse(String(server.received[i]!.data)) as { n: number }).n,
    duplicates: () => 0,
  };
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const { delivery } = options;
  const durationMs = options.durationMs ?? envNumber("LIFELINE_SOAK_MS") ?? 30_000;
  const seed = (options.seed ?? envNumber("LIFELINE_SOAK_SEED") ?? Math.floor(Math.random() * 0x7fff_ffff)) >>> 0;
  const minFaults = options.minFaults ?? 50;
  report(`soak ${delivery}: seed ${seed} (replay with LIFELINE_SOAK_SEED=${seed}), ${durationMs} ms`);

  const random = createRandom(seed);
  const end = delivery === "at-least-once" ? await acknowledgingServer() : await echoServer();
  const { server } = end;
  let client: Client<unknown, { n: number }> | undefined;
  let sender: ReturnType<typeof setInterval> | undefined;
  try {
    client = createClient<any, any>({
      url: server.url,
      delivery: delivery === "at-least-once" ? atLeastOnce() : undefined,
      backoff: { initial: 20, max: 200 },
      heartbeat: { interval: 300, timeout: 300 },
      connectTimeout: 1_000,
      queue: { max: 1_000_000 },
      // jitter from the same seed, so a replay draws the same delays
      random: createRandom(seed ^ 0x5eed).next,
    }) as Client<unknown, { n: number }>;
    const c = client;

    const results: SendResult[] = [];
    const errors: unknown[] = [];
    let opens = 0;
    let heartbeatTimeouts = 0;
    /** The highest "queued" number so far, and the highest the last open flushed. */
    let lastQueued = 0;
    let flushedUpTo = 0;
    c.on("error", (error) => errors.push(error));
    c.on("open", () => {
      opens++;
      flushedUpTo = lastQueued;
    });
    c.on("close", ({ reason }) => reason === "heartbeat timeout" && heartbeatTimeouts++);

    // Anything that changes what the waits below look at wakes them.
    const changes = (onChange: () => void) => {
      const offs = [c.on("state", onChange), c.on("open", onChange), c.on("delivered", onChange)];
      const serverEvents = ["message", "connection", "disconnect"] as const;
      for (const type of serverEvents) server.events.on(type, onChange);
      return () => {
        for (const off of offs) off();
        for (const type of serverEvents) server.events.off(type, onChange);
      };
    };
    // the highest number the server application has seen, read incrementally
    let maxSeen = 0;
    let scanned = 0;
    const highest = () => {
      for (const count = end.count(); scanned < count; scanned++) maxSeen = Math.max(maxSeen, end.at(scanned));
      return maxSeen;
    };

    const sendNext = () => {
      const n = results.length + 1;
      const result = c.send({ n });
      results.push(result);
      if (result === "queued") lastQueued = n;
    };
    sender = setInterval(sendNext, SEND_EVERY_MS);

    // At-most-once promises nothing for a frame already on a dying socket, and
    // an open flushes the queue onto its socket: a fault landing in the few
    // ms before the server has read that flush would lose "queued" messages
    // for the transport's sake, not the client's. So line-breaking faults
    // wait (bounded) until the last flush has arrived; "sent" frames stay
    // exposed to every fault.
    const settled = async () => {
      if (delivery !== "at-most-once") return;
      await waitUntil(
        () => (c.state === "open" ? highest() >= flushedUpTo : server.clients === 0),
        changes,
        5_000,
        "the line to settle before the next fault",
      ).catch(() => {
        // a line that does not settle is itself a finding; the final check will tell
      });
    };

    const byKind = Object.fromEntries(FAULTS.map((k) => [k, 0])) as Record<FaultKind, number>;
    let faults = 0;
    const started = Date.now();
    // bounded: stops at the duration once enough faults went in, and at a hard limit regardless
    const limit = hardLimit(durationMs);
    while ((Date.now() - started < durationMs || faults < minFaults) && Date.now() - started < limit) {
      await pause(random.int(20, 400));
      const kind = random.pick(FAULTS);
      if (kind !== "rejectNext") await settled();
      switch (kind) {
        case "dropAll":
          server.dropAll(random.pick(RECONNECTING_CODES), "chaos");
          break;
        case "terminateAll":
          server.terminateAll();
          break;
        case "freeze":
          // long enough, often, for the client's heartbeat (300 + 300 ms) to give up on the line
          server.freeze();
          await pause(random.int(50, 1_500));
          server.thaw();
          break;
        case "restart":
          await server.restart(random.int(0, 400));
          break;
        case "rejectNext":
          server.rejectNext(random.int(1, 4), random.pick([401, 403, 500, 503]));
          break;
      }
      byKind[kind]++;
      faults++;
    }

    // The line comes back for good: every promise send() made must now be kept.
    clearInterval(sender);
    sender = undefined;
    server.thaw();
    server.rejectNext(0);
    await waitUntil(() => c.state === "open", changes, WAIT_MS, `the client to open again (state ${c.state})`);
    await waitUntil(() => c.pending.length === 0, changes, WAIT_MS, `the queue to drain (${c.pending.length} left)`);
    // a last message on the open line: once it is in, everything sent before it on this line is too
    sendNext();
    const total = results.length;
    await waitUntil(() => highest() >= total, changes, WAIT_MS, `the final message #${total} to arrive`);
    if (delivery === "at-least-once") {
      await waitUntil(() => c.pending.length === 0, changes, WAIT_MS, "the final message to be acknowledged");
    }

    const received = Array.from({ length: end.count() }, (_, i) => end.at(i));
    const counts = new Map<number, number>();
    let inversions = 0;
    for (let i = 0; i < received.length; i++) {
      const n = received[i]!;
      counts.set(n, (counts.get(n) ?? 0) + 1);
      if (i > 0 && n <= received[i - 1]!) inversions++;
    }
    const duplicatesSeen = [...counts.values()].reduce((sum, k) => sum + (k > 1 ? k - 1 : 0), 0);
    const lost = (result: SendResult) => results.filter((r, i) => r === result && !counts.has(i + 1)).length;
    const summary: SoakReport = {
      delivery,
      seed,
      faults,
      byKind,
      messages: results.filter((r) => r !== "dropped").length,
      sent: results.filter((r) => r === "sent").length,
      queued: results.filter((r) => r === "queued").length,
      queuedLost: lost("queued"),
      inFlightLost: lost("sent"),
      duplicates: duplicatesSeen,
      resendsDropped: end.duplicates(),
      opens,
      heartbeatTimeouts,
    };
    report(
      `soak ${delivery}: seed ${seed}, faults injected ${faults} (${FAULTS.map((k) => `${k} ${byKind[k]}`).join(", ")}), ` +
        `messages sent ${summary.messages} (${summary.sent} sent, ${summary.queued} queued), queued lost ${summary.queuedLost}, ` +
        `in-flight lost ${summary.inFlightLost}, duplicates delivered to the application ${summary.duplicates}, ` +
        `resends dropped by the server ${summary.resendsDropped}, opens ${opens}, heartbeat timeouts ${heartbeatTimeouts}`,
    );

    const replay = `replay with LIFELINE_SOAK_SEED=${seed}`;
    expect(faults, replay).toBeGreaterThanOrEqual(minFaults);
    expect(errors, replay).toEqual([]);
    // the queue is far larger than the run: nothing may be refused
    expect(results.filter((r) => r === "dropped"), replay).toEqual([]);
    // the server application sees each message at most once, in the order sent
    expect(duplicatesSeen, replay).toBe(0);
    expect(inversions, replay).toBe(0);
    if (delivery === "at-least-once") {
      // acknowledged delivery: every accepted message arrives, exactly once, in order
      expect(received, replay).toEqual(results.map((_, i) => i + 1));
    } else {
      // what waited in the queue is never lost, never doubled and keeps its place
      const queuedNumbers = results.flatMap((r, i) => (r === "queued" ? [i + 1] : []));
      const queuedReceived = received.filter((n) => results[n - 1] === "queued");
      expect(queuedReceived, replay).toEqual(queuedNumbers);
      expect(summary.queuedLost, replay).toBe(0);
    }
    // the final message went out on an open line
    expect(results[total - 1], replay).toBe("sent");
    expect(c.state, replay).toBe("open");
    return summary;
  } finally {
    if (sender) clearInterval(sender);
    client?.close();
    await server.close();
  }
}
