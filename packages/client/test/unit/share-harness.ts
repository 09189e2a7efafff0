// The share feature's unit-test harness: tabs of one fake origin (share-fakes.ts)
// on the fake socket and clock, and, for acknowledged delivery, the test
// server's protocol-v2 end (with topics) wired to every socket they open.
import { createClient } from "../../src/index.js";
import type { Client, ClientOptions } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { acrossTabs } from "../../src/share/index.js";
import type { Role } from "../../src/share/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import type { FakeSocket, FakeWebSocketKit } from "../../src/testing.js";
import { TEST_URL, expectNothingLeft, flushMicrotasks, record } from "./helpers.js";
import { createFakeOrigin } from "./share-fakes.js";
import type { FakeTab } from "./share-fakes.js";
import { createDelivery } from "@lifeline/test-server";
import type { DeliveryConnection, DeliveryOptions } from "@lifeline/test-server";

export const NAME = "chat";

export interface Tab {
  tab: FakeTab;
  client: Client<any, any>;
  roles: Role[];
  log: ReturnType<typeof record>;
}

/** `N` tabs, as a tuple (the leader first). */
export type Tabs<N extends number, T extends Tab[] = [Tab]> = T["length"] extends N ? T : Tabs<N, [...T, Tab]>;

export function browser(options: Partial<ClientOptions<any, any>> = {}) {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const origin = createFakeOrigin();
  const tabs: Tab[] = [];
  /** Opens a tab; `channel` may stand in for the tab's BroadcastChannel (one that refuses, say). */
  const open = (more: Partial<ClientOptions<any, any>> = {}, channel?: (Channel: FakeTab["BroadcastChannel"]) => FakeTab["BroadcastChannel"]): Tab => {
    const tab = origin.tab();
    const roles: Role[] = [];
    const client = createClient({
      url: TEST_URL,
      WebSocket: fake.WebSocket,
      clock,
      heartbeat: false,
      ...options,
      ...more,
      share: acrossTabs({ name: NAME, locks: tab.locks, BroadcastChannel: channel?.(tab.BroadcastChannel) ?? tab.BroadcastChannel, onRole: (role) => roles.push(role) }),
    });
    const made = { tab, client, roles, log: record(client) };
    tabs.push(made);
    return made;
  };
  /**
   * Opens `count` tabs, the first one alone (it takes the lock and leads), the
   * others after it, each with its own options from `more`; resolves once each
   * has its role.
   */
  const lead = async <N extends number>(count: N, more: Array<Partial<ClientOptions<any, any>>> = []): Promise<Tabs<N>> => {
    const first = open(more[0]);
    await settle();
    const rest = Array.from({ length: count - 1 }, (_, i) => open(more[i + 1]));
    await settle();
    return [first, ...rest] as Tabs<N>;
  };
  /** As lead(), then the leader's socket opens and `flush` lets the tabs see it. */
  const up = async <N extends number>(count: N, more: Array<Partial<ClientOptions<any, any>>> = [], flush: () => Promise<unknown> = settle): Promise<Tabs<N>> => {
    const opened = await lead(count, more);
    fake.last().open();
    await flush();
    return opened;
  };
  /** Closes every tab's client and checks that nothing is left running. */
  const closeAll = () => {
    for (const { client } of tabs) client.close();
    expectNothingLeft({ clock, fake });
  };
  return { clock, fake, origin, tabs, open, lead, up, closeAll };
}

/** Longer than @lifeline/server's wait for a client's frames to stop before it acknowledges the rest (20 to 40 ms). */
const QUIET_ACKS_MS = 45;

/** Lets channel messages, lock grants and the tabs' reactions run. */
export const settle = () => flushMicrotasks(30);

/** The server half of protocol v2 (the test server's), wired to every fake socket the clients open. */
export function serve(fake: FakeWebSocketKit, topics?: DeliveryOptions["topics"]) {
  // requests are answered on the connection they came in on
  const delivery = createDelivery({ onMessage: (message, reply) => message.id !== undefined && reply({ answer: message.data }), topics });
  const wired = new Map<FakeSocket, { conn: DeliveryConnection; read: number; held: string[] }>();
  /** While set, what the server writes waits (its answers are late): written at the next pump, if its socket is still open. */
  let holding = false;
  const release = () => {
    holding = false;
    for (const [socket, wire] of wired) for (const text of wire.held.splice(0)) if (socket.readyState === 1) socket.receive(text);
  };
  /**
   * Hands what the sockets wrote to the server, and its answers back, until
   * nothing moves. With `acks: false` the server handles what it got (its
   * handlers settle, the marks are stored) but its answers do not reach the
   * tabs yet; with `handled: false` too, the line goes before the server
   * even handled them (the frames wait in its queue).
   */
  const pump = async (options: { acks?: boolean; handled?: boolean } = {}) => {
    release();
    let heardQuietAcks = false;
    for (let round = 0; round < 50; round++) {
      await settle();
      let moved = false;
      for (const socket of fake.sockets) {
        if (socket.readyState !== 1) continue;
        let wire = wired.get(socket);
        if (!wire) {
          const held: string[] = [];
          const send = (text: string) => (holding ? held.push(text) : socket.readyState === 1 && socket.receive(text));
          wired.set(socket, (wire = { conn: delivery.connection(send), read: 0, held }));
        }
        for (; wire.read < socket.sent.length; moved = true) wire.conn.handle(String(socket.sent[wire.read++]));
      }
      if (options.acks === false) {
        holding = true;
        // the server's handlers settle in microtasks (memory store): let them, unless the line goes first
        // (no macrotask: what the tabs post on a slow channel is still on its way)
        if (options.handled !== false) for (let i = 0; i < 10; i++) await settle();
        return;
      }
      await new Promise((resolve) => setImmediate(resolve));
      // done when nothing moved, including during that wait (a write behind an echoed post comes late)
      if (!moved && !fake.sockets.some((socket) => socket.readyState === 1 && (wired.get(socket)?.read ?? 0) < socket.sent.length)) {
        if (heardQuietAcks) return;
        // the server acknowledges the rest of what it handled once the frames stopped for 20 ms (@lifeline/server's
        // delivery.ts, on real timers): wait for those acks once, then go round again for what they set off
        heardQuietAcks = true;
        await new Promise((resolve) => setTimeout(resolve, QUIET_ACKS_MS));
      }
    }
  };
  const gone = (socket: FakeSocket) => {
    wired.get(socket)?.conn.close();
    if (socket.readyState === 1) socket.serverClose(1006, "", false);
  };
  return { delivery, pump, gone };
}

/** Tabs with atLeastOnce() in front of serve(): up() lets the server answer before it resolves. */
export function session(options: Partial<ClientOptions<any, any>> = {}, topics?: DeliveryOptions["topics"]) {
  const page = browser({ delivery: atLeastOnce(), ...options });
  const server = serve(page.fake, topics);
  const up = <N extends number>(count: N) => page.up(count, [], server.pump);
  /**
   * The leader's tab crashes and the server sees its socket go; resolves once the other tabs reacted.
   * `losePosts`: its posts still on their way never arrive (see FakeTab.crash).
   */
  const crash = async (leader: Tab, socket = page.fake.last(), losePosts = false) => {
    leader.tab.crash(losePosts);
    server.gone(socket);
    await settle();
  };
  return { ...page, ...server, up, crash };
}

