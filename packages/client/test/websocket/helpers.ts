// Shared set-up for the LifelineWebSocket tests: a socket on the fake
// WebSocket and fake clock, with every event it dispatches recorded in order
// together with the readyState seen at that moment.
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import type { FakeClock, FakeWebSocketKit } from "../../src/testing.js";
import { LifelineWebSocket } from "../../src/websocket/index.js";
import type { LifelineWebSocketOptions, ProtocolsProvider, UrlProvider } from "../../src/websocket/index.js";

export const TEST_URL = "ws://lifeline.test/ws";

export interface Seen {
  type: string;
  readyState: number;
  code?: number;
  reason?: string;
  wasClean?: boolean;
  data?: unknown;
  error?: unknown;
}

/** Records open/message/close/error of `ws` as listeners see them. */
export function record(ws: LifelineWebSocket) {
  const all: Seen[] = [];
  for (const type of ["open", "message", "close", "error"] as const) {
    ws.addEventListener(type, (event: Event) => {
      const e = event as Event & Partial<Record<"code" | "reason" | "wasClean" | "data" | "error", unknown>>;
      const seen: Seen = { type, readyState: ws.readyState };
      if (type === "close") Object.assign(seen, { code: e.code, reason: e.reason, wasClean: e.wasClean });
      if (type === "message") seen.data = e.data;
      if (type === "error") seen.error = e.error;
      all.push(seen);
    });
  }
  return {
    all,
    types: () => all.map((s) => s.type),
    of: (type: string) => all.filter((s) => s.type === type),
    clear: () => void all.splice(0),
  };
}

export interface Setup {
  clock: FakeClock;
  fake: FakeWebSocketKit;
  ws: LifelineWebSocket;
  log: ReturnType<typeof record>;
}

/** Exact delays (no jitter) and no heartbeat unless a test asks for them. */
export const QUIET = { jitter: "none", minReconnectionDelay: 100, heartbeat: false } as const satisfies LifelineWebSocketOptions;

/** Lets promises settle: an attempt resolves its url and protocols asynchronously before it makes a socket. */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** A socket on the fake WebSocket and clock, recorded from the start, with its first attempt's socket made. */
export async function setup(
  options: LifelineWebSocketOptions = {},
  { url = TEST_URL, protocols, closeCompletes }: { url?: UrlProvider; protocols?: ProtocolsProvider; closeCompletes?: boolean } = {},
): Promise<Setup> {
  const clock = createFakeClock();
  const fake = createFakeWebSocket(closeCompletes === undefined ? {} : { closeCompletes });
  const ws = new LifelineWebSocket(url, protocols, { WebSocket: fake.WebSocket, clock, ...QUIET, ...options });
  const log = record(ws);
  await flush();
  return { clock, fake, ws, log };
}

/** Runs the clock to the next timer (a backoff, a timeout) and lets the attempt it starts make its socket; fails the test when none is due. */
export async function nextTimer(clock: FakeClock): Promise<void> {
  const due = clock.nextDue();
  if (due === undefined) throw new Error("no timer is pending");
  clock.advance(due - clock.now());
  await flush();
}
