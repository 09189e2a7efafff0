// The two-way chaos soak, acknowledged delivery (protocol v2): the client
// streams numbered messages to the server (`client.send({ n })`) while the
// server streams numbered messages to the client (`lifeline.send(session,
// { n })` on @lifeline/server), both at a steady pace, through the seeded
// fault schedule of faults.ts plus `storeLost`: a restart that comes back
// with a fresh server and a fresh memory store, as a restarted process
// would. At the end both applications' records are checked:
//  - while a session lives, nothing is lost or delivered twice either way,
//    and everything arrives in order;
//  - what a lost store took is announced: the client hears `reset`, every
//    server message it missed belongs to a session it was told is gone, and
//    every client message is still delivered (again, under the new session,
//    when the old store handled it without the ack getting through).
import { expect } from "vitest";
import { createDelivery, startServer } from "@lifeline/test-server";
import type { Delivery, DeliveryConnection } from "@lifeline/test-server";
import { createClient } from "../../src/index.js";
import type { Client, SendResult } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { describeFaults, injectFaults, LINE_FAULTS, startSoak, WAIT_MS } from "./faults.js";
import type { FaultFigures, SoakOptions } from "./faults.js";
import { createRandom, report, waitUntil } from "./helpers.js";

/** Default length of the fault phase (LIFELINE_SOAK_MS overrides it). */
export const TWO_WAY_SOAK_MS = 12_000;

/** Both streams send one message per this many ms. */
const EVERY_MS = 5;

/** How long, from which seed, and with at least how many faults. */
export type TwoWaySoakOptions = SoakOptions;

/** One numbered message on the server side: handled by `onMessage`, or stored by `send()`. */
interface Record {
  /** Which server (and store) it met: 1, 2, 3… a new one after every store loss. */
  readonly instance: number;
  readonly session: string;
  readonly seq: number;
  readonly n: number;
}

export interface TwoWaySoakReport extends FaultFigures {
  seed: number;
  toServer: {
    /** Messages `client.send()` accepted. */
    accepted: number;
    /** Handed to the server's `onMessage`, in total. */
    handled: number;
    /** Accepted and never handled (must be 0). */
    lost: number;
    /** Handled twice within one session of one store (must be 0). */
    duplicates: number;
    /** Handled again under a new session after the store that handled them was lost, before its ack reached the client. */
    redeliveredAfterStoreLoss: number;
    /** Resends the server recognised and dropped. */
    resendsDropped: number;
  };
  toClient: {
    /** `send()` answered ok: stored for a session. */
    stored: number;
    /** `send()` answered not ok (the session was gone: a lost store, a reset), by reason. */
    refused: { [reason: string]: number };
    /** Handed to the client's `message` handler. */
    delivered: number;
    /** Delivered twice (must be 0). */
    duplicates: number;
    /** Stored and never delivered, in sessions the client was told were gone by `reset`. */
    missingAnnounced: number;
    /** Stored and never delivered without a `reset` covering it (must be 0). */
    missingSilent: number;
    /** Replayed frames the client recognised and dropped. */
    duplicatesDropped: number;
  };
  /** `reset` events the client heard, by reason. */
  resets: { [reason: string]: number };
  /** Sessions the server saw (the client makes a new one after each reset). */
  sessions: number;
  /** Sessions that went on with a new store after a store loss, no reset between (must be 0). */
  resumedAcrossStores: number;
  /** Stores lost while they held the client's session: each needs a reset. */
  lostHoldingSession: number;
  opens: number;
}

/**
 * The server end: the test server's sockets and faults, `@lifeline/server`
 * (through the test server's `createDelivery`) behind them, and a record of
 * both applications' sides. `loseStore()` swaps in a fresh server and store.
 */
async function twoWayServer() {
  const handled: Record[] = [];
  let instances = 0;
  const retired: Delivery[] = [];
  const make = () => {
    const instance = ++instances;
    const delivery = createDelivery({
      onMessage: ({ session, seq, data }) => handled.push({ instance, session, seq, n: (data as { n: number }).n }),
    });
    return { instance, delivery };
  };
  let current = make();
  /** One protocol connection per socket, on the server that was current when it said its first word. */
  const connections = new Map<number, { instance: number; conn: DeliveryConnection }>();
  const server = await startServer({
    onMessage(ctx) {
      let entry = connections.get(ctx.client);
      if (!entry) connections.set(ctx.client, (entry = { instance: current.instance, conn: current.delivery.connection(ctx.reply) }));
      if (!ctx.binary) entry.conn.handle(String(ctx.data));
      return true;
    },
  });
  server.events.on("disconnect", ({ client }) => {
    connections.get(client)?.conn.close();
    connections.delete(client);
  });

  let lastSession: string | undefined;
  /** The session the client speaks for now: its newest bound connection's, else the last one seen (it is away). */
  const liveSession = () => {
    for (const { instance, conn } of connections.values()) {
      if (instance === current.instance && conn.session !== undefined) lastSession = conn.session;
    }
    return lastSession;
  };

  return {
    server,
    handled,
    liveSession,
    /** `lifeline.send(session, { n })` on the server that answers now. */
    async send(session: string, n: number): Promise<{ record?: Record; refused?: string }> {
      const { instance, delivery } = current;
      const result = await delivery.server.send(session, { n });
      return result.ok ? { record: { instance, session, seq: result.seq, n } } : { refused: result.reason };
    },
    /** A crash and a cold start: from now on a fresh server with an empty memory store answers. */
    async loseStore(): Promise<void> {
      const old = current.delivery;
      current = make();
      retired.push(old);
      await old.server.close();
    },
    resendsDropped: () => [...retired, current.delivery].reduce((sum, d) => sum + d.duplicates, 0),
    async close() {
      await server.close();
      for (const d of [...retired, current.delivery]) await d.server.close();
    },
  };
}

/** Counts by key. */
function tally(keys: readonly string[]): { [key: string]: number } {
  const out: { [key: string]: number } = {};
  for (const key of keys) out[key] = (out[key] ?? 0) + 1;
  return out;
}

export async function twoWaySoak(options: TwoWaySoakOptions = {}): Promise<TwoWaySoakReport> {
  const { durationMs, seed, minFaults, random } = startSoak("two-way soak at-least-once", options, TWO_WAY_SOAK_MS);
  const end = await twoWayServer();
  const { server } = end;
  let client: Client<{ n: number }, { n: number }> | undefined;
  const timers: ReturnType<typeof setInterval>[] = [];
  const streaming = new Set<Promise<unknown>>();
  try {
    // what the client's sockets carried from the server: replays it drops are counted here
    let duplicatesDropped = 0;
    let inOrder = 0;
    const tap = (text: string) => {
      if (!text.startsWith("{")) return;
      const frame = JSON.parse(text) as { t?: string; seq?: number };
      if (frame.t === "reset") inOrder = 0;
      else if (frame.t === "msg" && typeof frame.seq === "number") {
        if (frame.seq <= inOrder) duplicatesDropped++;
        else inOrder = frame.seq;
      }
    };
    class TappedWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        // added before the client's own listener, so it sees each frame first
        this.addEventListener("message", (event) => typeof event.data === "string" && tap(event.data));
      }
    }

    client = createClient<any, any>({
      url: server.url,
      WebSocket: TappedWebSocket,
      delivery: atLeastOnce(),
      backoff: { initial: 20, max: 200 },
      heartbeat: { interval: 300, timeout: 300 },
      connectTimeout: 1_000,
      queue: { max: 1_000_000 },
      // jitter from the same seed, so a replay draws the same delays
      random: createRandom(seed ^ 0x5eed).next,
    }) as Client<{ n: number }, { n: number }>;
    const c = client;

    const results: SendResult[] = [];
    const errors: unknown[] = [];
    /** What the client's application heard, in order: a message's number, or a reset. */
    const heard: ({ n: number } | { reset: string })[] = [];
    let opens = 0;
    c.on("error", (error) => errors.push(error));
    c.on("open", () => opens++);
    c.on("message", ({ n }) => heard.push({ n }));
    c.on("reset", ({ reason }) => heard.push({ reset: reason }));

    const stored: Record[] = [];
    const refused: string[] = [];
    let streamed = 0;
    const streamNext = () => {
      const session = end.liveSession();
      if (session === undefined) return;
      const task = end.send(session, ++streamed).then((outcome) => {
        if (outcome.record) stored.push(outcome.record);
        else if (outcome.refused !== undefined) refused.push(outcome.refused);
      });
      streaming.add(task);
      void task.finally(() => streaming.delete(task));
    };
    const sendNext = () => results.push(c.send({ n: results.length + 1 }));
    timers.push(setInterval(sendNext, EVERY_MS), setInterval(streamNext, EVERY_MS));

    const figures = await injectFaults({
      server,
      random,
      kinds: [...LINE_FAULTS, "storeLost"],
      durationMs,
      minFaults,
      loseStore: () => end.loseStore(),
    });

    // The line comes back for good: both streams stop, and everything either side holds must arrive.
    for (const timer of timers.splice(0)) clearInterval(timer);
    await Promise.all(streaming);
    server.thaw();
    server.rejectNext(0);
    const changes = (onChange: () => void) => {
      const offs = [c.on("state", onChange), c.on("open", onChange), c.on("delivered", onChange), c.on("message", onChange)];
      return () => offs.forEach((off) => off());
    };
    await waitUntil(() => c.state === "open", changes, WAIT_MS, `the client to open again (state ${c.state})`);
    await waitUntil(() => c.pending.length === 0, changes, WAIT_MS, `the client's messages to be acknowledged (${c.pending.length} left)`);
    // a last message each way on the open line, once its session is bound
    sendNext();
    await waitUntil(() => c.pending.length === 0, changes, WAIT_MS, "the client's final message to be acknowledged");
    streamNext();
    await Promise.all(streaming);
    const last = stored.at(-1);
    await waitUntil(
      () => last !== undefined && heard.some((h) => "n" in h && h.n === last.n),
      changes,
      WAIT_MS,
      `the server's final message #${last?.n} to arrive`,
    );
    const finalSession = end.liveSession();

    // ---- client → server ----------------------------------------------------
    const accepted = results.filter((r) => r !== "dropped").length;
    const timesHandled = new Map<number, number>();
    // per session of one store: consecutive numbers, each once
    const incarnations = new Map<string, Record[]>();
    for (const h of end.handled) {
      timesHandled.set(h.n, (timesHandled.get(h.n) ?? 0) + 1);
      const key = `${h.instance}/${h.session}`;
      incarnations.set(key, [...(incarnations.get(key) ?? []), h]);
    }
    let inSessionDuplicates = 0;
    let inSessionGaps = 0;
    for (const list of incarnations.values()) {
      for (let i = 1; i < list.length; i++) {
        if (list[i]!.n <= list[i - 1]!.n) inSessionDuplicates++;
        else if (list[i]!.n !== list[i - 1]!.n + 1) inSessionGaps++;
      }
    }
    // a number handled in two sessions: only after the first one's store was lost
    const firstStore = new Map<number, number>();
    let redelivered = 0;
    let redeliveredSameStore = 0;
    for (const h of end.handled) {
      const first = firstStore.get(h.n);
      if (first === undefined) firstStore.set(h.n, h.instance);
      else if (first === h.instance) redeliveredSameStore++;
      else redelivered++;
    }
    const lostToServer = results.filter((r, i) => r !== "dropped" && !timesHandled.has(i + 1)).length;

    // ---- server → client ----------------------------------------------------
    const storedByN = new Map(stored.map((s) => [s.n, s]));
    const received = heard.flatMap((h) => ("n" in h ? [h.n] : []));
    let inversions = 0;
    for (let i = 1; i < received.length; i++) if (received[i]! <= received[i - 1]!) inversions++;
    const clientDuplicates = received.length - new Set(received).size;
    const unknown = received.filter((n) => !storedByN.has(n));
    // the client's life splits at each reset into segments, each in one session
    const segments: Record[][] = [[]];
    for (const h of heard) {
      if ("reset" in h) segments.push([]);
      else if (storedByN.has(h.n)) segments.at(-1)!.push(storedByN.get(h.n)!);
    }
    const mixedSegments = segments.filter((segment) => new Set(segment.map((s) => s.session)).size > 1).length;
    // per session (whatever store held it): what the client got must be the first messages stored, in order;
    // anything after them is missing, which only a reset may excuse (the final session may miss nothing)
    const storedBySession = new Map<string, Record[]>();
    for (const s of [...stored].sort((a, b) => a.n - b.n)) storedBySession.set(s.session, [...(storedBySession.get(s.session) ?? []), s]);
    const got = new Set(received);
    let missingAnnounced = 0;
    let missingSilent = 0;
    for (const [session, list] of storedBySession) {
      const prefix = list.findIndex((s) => !got.has(s.n));
      if (prefix === -1) continue;
      const after = list.slice(prefix);
      // a hole followed by more delivered messages of the same session was not announced
      const holes = after.filter((s) => !got.has(s.n)).length;
      const silent = after.some((s) => got.has(s.n)) || session === finalSession;
      if (silent) missingSilent += holes;
      else missingAnnounced += holes;
    }
    const resets = heard.flatMap((h) => ("reset" in h ? [h.reset] : []));
    const sessions = new Set([...end.handled.map((h) => h.session), ...stored.map((s) => s.session)]).size;
    // a session id met by two stores: it went on after a store loss without a reset
    const storesBySession = new Map<string, Set<number>>();
    for (const r of [...end.handled, ...stored]) storesBySession.set(r.session, (storesBySession.get(r.session) ?? new Set()).add(r.instance));
    const resumedAcrossStores = [...storesBySession.values()].filter((stores) => stores.size > 1).length;
    // every store lost while it held a session must have been announced by a reset of its own
    const finalStore = Math.max(...[...end.handled, ...stored].map((r) => r.instance));
    const lostHoldingSession = new Set([...end.handled, ...stored].map((r) => r.instance).filter((i) => i !== finalStore)).size;

    const summary: TwoWaySoakReport = {
      seed,
      ...figures,
      toServer: {
        accepted,
        handled: end.handled.length,
        lost: lostToServer,
        duplicates: inSessionDuplicates + redeliveredSameStore,
        redeliveredAfterStoreLoss: redelivered,
        resendsDropped: end.resendsDropped(),
      },
      toClient: {
        stored: stored.length,
        refused: tally(refused),
        delivered: received.length,
        duplicates: clientDuplicates,
        missingAnnounced,
        missingSilent,
        duplicatesDropped,
      },
      resets: tally(resets),
      sessions,
      resumedAcrossStores,
      lostHoldingSession,
      opens,
    };
    const t = summary.toServer;
    const f = summary.toClient;
    const show = (counts: { [key: string]: number }) => JSON.stringify(counts).replace(/"/g, "");
    report(
      `two-way soak: seed ${seed}, faults injected ${figures.faults} (${describeFaults(figures)}); ` +
        `client → server: accepted ${t.accepted}, handled ${t.handled}, lost ${t.lost}, duplicates ${t.duplicates}, ` +
        `handled again after a store loss ${t.redeliveredAfterStoreLoss}, resends dropped by the server ${t.resendsDropped}; ` +
        `server → client: stored ${f.stored}, refused by send() ${show(f.refused)}, delivered ${f.delivered}, duplicates ${f.duplicates}, ` +
        `missing after a reset ${f.missingAnnounced}, missing silently ${f.missingSilent}, replays dropped by the client ${f.duplicatesDropped}; ` +
        `resets ${resets.length} ${show(summary.resets)}, sessions ${sessions}, sessions resumed across a store loss ${resumedAcrossStores}, stores lost holding a session ${lostHoldingSession}, opens ${opens}`,
    );

    const replay = `replay with LIFELINE_SOAK_SEED=${seed}`;
    expect(figures.faults, replay).toBeGreaterThanOrEqual(minFaults);
    // routine reports of the faults injected are not failures: refused and timed-out attempts, and HEARTBEAT_UNANSWERED when
    // freezes hit before the first pong (to a client, two silent lines before any pong look like a server without the heartbeat)
    expect(errors.filter((e) => !["CONNECT_FAILED", "CONNECT_TIMEOUT", "HEARTBEAT_UNANSWERED"].includes((e as { code?: string }).code ?? "")).map(String), replay).toEqual([]);
    expect(results.filter((r) => r === "dropped"), replay).toEqual([]);
    // client → server: all of it, in order, once per session; again only where a store was lost
    expect(lostToServer, replay).toBe(0);
    expect(inSessionDuplicates, replay).toBe(0);
    expect(inSessionGaps, replay).toBe(0);
    expect(redeliveredSameStore, replay).toBe(0);
    if (figures.byKind.storeLost === 0) expect(redelivered, replay).toBe(0);
    // server → client: once, in order, and nothing missing that a reset does not cover
    expect(unknown, replay).toEqual([]);
    expect(clientDuplicates, replay).toBe(0);
    expect(inversions, replay).toBe(0);
    expect(mixedSegments, replay).toBe(0);
    expect(missingSilent, replay).toBe(0);
    // a lost store is announced; a session ends only with a reset
    // a session ends only with a reset, and every store lost while it held the session was announced by one
    expect(resets.length, replay).toBeGreaterThanOrEqual(sessions - 1);
    expect(resets.length, replay).toBeGreaterThanOrEqual(lostHoldingSession);
    expect(resumedAcrossStores, replay).toBe(0);
    expect(c.state, replay).toBe("open");
    return summary;
  } finally {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(streaming);
    client?.close();
    await end.close();
  }
}
