// The one-way chaos soak, at-most-once: one client on Node's global
// WebSocket sends a numbered stream at a steady rate while the test server
// injects faults from the seeded schedule (faults.ts); at the end the
// server's record is checked against what send() promised. Acknowledged
// delivery has its own soak, both ways and with store loss (two-way-soak.ts).
import { expect } from "vitest";
import { startServer } from "@lifeline/test-server";
import { createClient } from "../../src/index.js";
import type { Client, SendResult } from "../../src/index.js";
import { describeFaults, injectFaults, LINE_FAULTS, startSoak, WAIT_MS } from "./faults.js";
import type { FaultKind, SoakOptions } from "./faults.js";
import { createRandom, report, waitUntil } from "./helpers.js";

/** Default length of the fault phase (LIFELINE_SOAK_MS overrides it). */
export const SOAK_MS = 15_000;

export type { SoakOptions };

export interface SoakReport {
  seed: number;
  faults: number;
  byKind: Record<FaultKind, number>;
  /** Messages accepted by send() ("sent" or "queued"). */
  messages: number;
  sent: number;
  queued: number;
  /** "queued" messages that never arrived (must be 0). */
  queuedLost: number;
  /** "sent" messages that never arrived (a connection died under them). */
  inFlightLost: number;
  /** Messages the server received more than once. */
  duplicates: number;
  opens: number;
  heartbeatTimeouts: number;
}

const SEND_EVERY_MS = 5;

export async function soak(options: SoakOptions = {}): Promise<SoakReport> {
  const { durationMs, seed, minFaults, random } = startSoak("soak at-most-once", options, SOAK_MS);
  // it echoes (which keeps the heartbeat quiet) and records every frame
  const server = await startServer();
  const count = () => server.received.length;
  const at = (i: number) => (JSON.parse(String(server.received[i]!.data)) as { n: number }).n;
  let client: Client<unknown, { n: number }> | undefined;
  let sender: ReturnType<typeof setInterval> | undefined;
  try {
    client = createClient<any, any>({
      url: server.url,
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
      const offs = [c.on("state", onChange), c.on("open", onChange)];
      const serverEvents = ["message", "connection", "disconnect"] as const;
      for (const type of serverEvents) server.events.on(type, onChange);
      return () => {
        for (const off of offs) off();
        for (const type of serverEvents) server.events.off(type, onChange);
      };
    };
    // the highest number the server has seen, read incrementally
    let maxSeen = 0;
    let scanned = 0;
    const highest = () => {
      for (const n = count(); scanned < n; scanned++) maxSeen = Math.max(maxSeen, at(scanned));
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
    // exposed to every fault. A line that does not settle in time (a busy
    // machine) skips that fault rather than break a flush in flight: if the
    // flush never arrives at all, the final checks below find it lost.
    const settled = () =>
      waitUntil(() => (c.state === "open" ? highest() >= flushedUpTo : server.clients === 0), changes, 5_000, "the line to settle").then(
        () => true,
        () => false,
      );
    const figures = await injectFaults({ server, random, kinds: LINE_FAULTS, durationMs, minFaults, beforeBreak: settled });

    // The line comes back for good: every promise send() made must now be kept.
    clearInterval(sender);
    sender = undefined;
    server.thaw();
    server.rejectNext(0);
    await waitUntil(() => c.state === "open", changes, WAIT_MS, `the client to open again (state ${c.state})`);
    await waitUntil(() => c.pending.length === 0, changes, WAIT_MS, `the queue to drain (${c.pending.length} left)`);
    // A last message on the open line: once it is in, everything sent before it is too. A
    // connection still being torn down by the last fault can swallow it (at-most-once promises
    // nothing for a frame already on a dying socket): then it is sent again on the next line.
    let total = 0;
    for (let attempt = 1; ; attempt++) {
      let dropped = false;
      const offClose = c.on("close", () => (dropped = true));
      sendNext();
      total = results.length;
      try {
        await waitUntil(() => highest() >= total || (dropped && c.state === "open"), changes, WAIT_MS, `the final message #${total} to arrive`);
      } finally {
        offClose();
      }
      if (highest() >= total || attempt === 3) break;
    }
    expect(highest(), `the final message #${total} to arrive`).toBeGreaterThanOrEqual(total);

    const received = Array.from({ length: count() }, (_, i) => at(i));
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
      seed,
      ...figures,
      messages: results.filter((r) => r !== "dropped").length,
      sent: results.filter((r) => r === "sent").length,
      queued: results.filter((r) => r === "queued").length,
      queuedLost: lost("queued"),
      inFlightLost: lost("sent"),
      duplicates: duplicatesSeen,
      opens,
      heartbeatTimeouts,
    };
    report(
      `soak at-most-once: seed ${seed}, faults injected ${figures.faults} (${describeFaults(figures)}), ` +
        `messages sent ${summary.messages} (${summary.sent} sent, ${summary.queued} queued), queued lost ${summary.queuedLost}, ` +
        `in-flight lost ${summary.inFlightLost}, duplicates delivered to the server ${summary.duplicates}, ` +
        `opens ${opens}, heartbeat timeouts ${heartbeatTimeouts}`,
    );

    const replay = `replay with LIFELINE_SOAK_SEED=${seed}`;
    expect(figures.faults, replay).toBeGreaterThanOrEqual(minFaults);
    // routine reports of the faults injected are not failures: refused and timed-out attempts, and HEARTBEAT_UNANSWERED when
    // freezes hit before the first pong (to a client, two silent lines before any pong look like a server without the heartbeat)
    expect(errors.filter((e) => !["CONNECT_FAILED", "CONNECT_TIMEOUT", "HEARTBEAT_UNANSWERED"].includes((e as { code?: string }).code ?? "")).map(String), replay).toEqual([]);
    // the queue is far larger than the run: nothing may be refused
    expect(results.filter((r) => r === "dropped"), replay).toEqual([]);
    // the server sees each message at most once, in the order sent
    expect(duplicatesSeen, replay).toBe(0);
    expect(inversions, replay).toBe(0);
    // what waited in the queue is never lost, never doubled and keeps its place
    const queuedNumbers = results.flatMap((r, i) => (r === "queued" ? [i + 1] : []));
    const queuedReceived = received.filter((n) => results[n - 1] === "queued");
    expect(queuedReceived, replay).toEqual(queuedNumbers);
    expect(summary.queuedLost, replay).toBe(0);
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
