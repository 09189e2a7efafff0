// Shared set-up for the unit tests: a client on the fake socket and the fake
// clock, with every event it emits recorded in order.
import { expect } from "vitest";
import { createClient } from "../../src/index.js";
import type { Client, ClientEvents, ClientOptions, StandardSchemaV1 } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import type { FakeClock, FakeWebSocketKit } from "../../src/testing.js";

export const TEST_URL = "ws://lifeline.test/ws";

export type Recorded = { [K in keyof ClientEvents]: { type: K; event: ClientEvents[K] } }[keyof ClientEvents];

const EVENT_TYPES = ["state", "open", "close", "reconnecting", "message", "invalid", "heartbeat", "drop", "delivered", "error"] as const;

/** Records every event of a client, in the order they were emitted. */
export function record(client: Client<any, any>) {
  const all: Recorded[] = [];
  for (const type of EVENT_TYPES) client.on(type, (event: unknown) => all.push({ type, event } as Recorded));
  return {
    all,
    of<K extends keyof ClientEvents>(type: K): ClientEvents[K][] {
      return all.filter((r) => r.type === type).map((r) => r.event as ClientEvents[K]);
    },
    types: () => all.map((r) => r.type),
    clear: () => void all.splice(0),
  };
}

export type Options = Omit<ClientOptions<any, any>, "url"> & { url?: ClientOptions["url"] };

export interface Setup {
  clock: FakeClock;
  fake: FakeWebSocketKit;
  client: Client<any, any>;
  log: ReturnType<typeof record>;
}

/**
 * A client on a fresh fake socket kit and fake clock. Events are recorded
 * from the start; with `autoConnect: true` (the default) the events emitted
 * inside createClient() happen before recording starts.
 */
export function setup(options: Options = {}, kit: { closeCompletes?: boolean } = {}): Setup {
  const clock = createFakeClock();
  const fake = createFakeWebSocket(kit);
  const client = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock, ...options } as ClientOptions<StandardSchemaV1, StandardSchemaV1>);
  return { clock, fake, client, log: record(client) };
}

/** Fails every socket attempt as Node 22 does (error only) and lets each backoff elapse, `n` times. */
export function failAttempts({ clock, fake }: Pick<Setup, "clock" | "fake">, n: number): void {
  for (let i = 0; i < n; i++) {
    fake.last().fail();
    const due = clock.nextDue();
    if (due !== undefined) clock.advance(due - clock.now());
  }
}

/** What close() must leave behind: no timer, no live socket, no listener on any socket. */
export function expectNothingLeft({ clock, fake }: Pick<Setup, "clock" | "fake">): void {
  expect(clock.pending()).toBe(0);
  expect(fake.live()).toHaveLength(0);
  for (const socket of fake.sockets) expect(socket.listenerCount()).toBe(0);
}

/** The frames a fake socket received from the client, parsed as JSON where they are JSON text. */
export function sentJson(socket: { sent: ReadonlyArray<unknown> }): unknown[] {
  return socket.sent.map((frame) => (typeof frame === "string" ? JSON.parse(frame) : frame));
}

/** Lets pending promise callbacks run (async schemas, url promises). */
export async function flushMicrotasks(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
