// Browser hooks, under happy-dom: `online` and the page becoming visible cut
// a pending backoff short, no attempt is spent while offline, and close()
// removes every listener the client put on window and document.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createClient } from "../../src/index.js";
import type { Client, ClientOptions } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";

// The package's tsconfig has no DOM lib (the SDK must not lean on DOM types),
// so the few browser globals used here are typed by hand.
interface Target {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
  dispatchEvent(event: Event): boolean;
}
const browser = globalThis as unknown as {
  window: Target;
  document: Target & { visibilityState: string };
  navigator: { onLine: boolean };
};
const { window, document, navigator } = browser;

// Restored one by one: vi.restoreAllMocks() would also undo the console spies of the fail-on-console setup.
const spies: Array<{ mockRestore(): void }> = [];
afterEach(() => {
  for (const spy of spies.splice(0)) spy.mockRestore();
});

function track<T extends { mockRestore(): void }>(spy: T): T {
  spies.push(spy);
  return spy;
}

function setup(options: Partial<ClientOptions> = {}) {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const client: Client = createClient({
    url: "ws://dom.test/ws",
    WebSocket: fake.WebSocket,
    clock,
    heartbeat: false,
    backoff: { initial: 10_000, jitter: "none" },
    connectTimeout: 1_000_000,
    ...options,
  });
  const reconnecting: Array<{ attempt: number; delay: number }> = [];
  client.on("reconnecting", (e) => reconnecting.push(e));
  // every failed attempt reports CONNECT_FAILED; these tests count attempts, not errors
  const errors: string[] = [];
  client.on("error", (e) => errors.push(e.code));
  return { clock, fake, client, reconnecting, errors };
}

function setVisibility(state: "visible" | "hidden") {
  track(vi.spyOn(document, "visibilityState", "get")).mockReturnValue(state);
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("in a browser", () => {
  it("runs where window and document exist", () => {
    expect(browser.window).toBe(globalThis);
    expect(typeof document.addEventListener).toBe("function");
  });

  it("an online event cuts a pending backoff short", () => {
    const { clock, fake, client } = setup();
    fake.last().open();
    fake.last().serverClose(1006);
    expect(client.state).toBe("reconnecting");
    expect(fake.sockets).toHaveLength(1);
    window.dispatchEvent(new Event("online"));
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    expect(client.state).toBe("open");
    // the cut-short wait left no timer of its own behind
    clock.advance(10_000);
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });

  it("online does nothing while open or connecting", () => {
    const { fake, client } = setup();
    window.dispatchEvent(new Event("online"));
    expect(fake.sockets).toHaveLength(1);
    fake.last().open();
    window.dispatchEvent(new Event("online"));
    expect(fake.sockets).toHaveLength(1);
    expect(client.state).toBe("open");
    client.close();
  });

  it("the page becoming visible cuts a pending backoff short; becoming hidden does not", () => {
    const { fake, client } = setup();
    fake.last().fail();
    setVisibility("hidden");
    expect(fake.sockets).toHaveLength(1);
    setVisibility("visible");
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });

  it("while navigator.onLine is false no attempt is spent: the backoff re-arms until online", () => {
    const { clock, fake, client, reconnecting } = setup({ maxRetries: 2 });
    const onLine = track(vi.spyOn(navigator, "onLine", "get")).mockReturnValue(false);
    fake.last().fail();
    expect(reconnecting).toEqual([{ attempt: 1, delay: 10_000 }]);
    // many backoff periods pass offline: no socket, no retry counted, still waiting
    for (let i = 0; i < 20; i++) clock.advance(10_000);
    expect(fake.sockets).toHaveLength(1);
    expect(reconnecting).toHaveLength(1);
    expect(client.state).toBe("reconnecting");
    expect(clock.pending()).toBe(1);
    // back online: the browser fires online, the attempt goes at once
    onLine.mockReturnValue(true);
    window.dispatchEvent(new Event("online"));
    expect(fake.sockets).toHaveLength(2);
    // the offline time cost nothing against maxRetries 2: this is only retry 2
    fake.last().fail();
    expect(reconnecting.at(-1)).toEqual({ attempt: 2, delay: 20_000 });
    expect(client.state).toBe("reconnecting");
    client.close();
  });

  it("attempts on schedule when navigator.onLine comes back without an online event", () => {
    const { clock, fake, client } = setup();
    const onLine = track(vi.spyOn(navigator, "onLine", "get")).mockReturnValue(false);
    fake.last().fail();
    clock.advance(30_000);
    expect(fake.sockets).toHaveLength(1);
    onLine.mockReturnValue(true);
    clock.advance(10_000);
    expect(fake.sockets).toHaveLength(2);
    client.close();
  });

  it("removes its window and document listeners on close(), and adds them once per connect()", () => {
    const winAdd = track(vi.spyOn(window, "addEventListener"));
    const winRemove = track(vi.spyOn(window, "removeEventListener"));
    const docAdd = track(vi.spyOn(document, "addEventListener"));
    const docRemove = track(vi.spyOn(document, "removeEventListener"));
    const { clock, fake, client } = setup({ autoConnect: false });
    const count = (spy: typeof winAdd) => spy.mock.calls.filter(([type]) => type === "online" || type === "visibilitychange").length;
    expect(count(winAdd) + count(docAdd)).toBe(0);

    client.connect();
    expect(count(winAdd)).toBe(1);
    expect(count(docAdd)).toBe(1);
    // reconnects do not add more
    fake.last().fail();
    clock.advance(10_000);
    client.reconnect();
    expect(count(winAdd) + count(docAdd)).toBe(2);

    client.close();
    expect(count(winRemove)).toBe(1);
    expect(count(docRemove)).toBe(1);
    // the very functions that were added were removed
    const added = [...winAdd.mock.calls, ...docAdd.mock.calls].filter(([t]) => t === "online" || t === "visibilitychange").map(([, fn]) => fn);
    const removed = [...winRemove.mock.calls, ...docRemove.mock.calls].filter(([t]) => t === "online" || t === "visibilitychange").map(([, fn]) => fn);
    expect(removed).toEqual(added);

    // after close, the events do nothing
    window.dispatchEvent(new Event("online"));
    setVisibility("visible");
    expect(client.state).toBe("closed");
    expect(clock.pending()).toBe(0);

    // connect() again adds one pair, giving up removes it
    client.connect();
    expect(count(winAdd) + count(docAdd)).toBe(4);
    client.close();
    expect(count(winRemove) + count(docRemove)).toBe(4);
  });

  it("giving up (maxRetries) removes the listeners too", () => {
    const winAdd = track(vi.spyOn(window, "addEventListener"));
    const winRemove = track(vi.spyOn(window, "removeEventListener"));
    const { fake, client } = setup({ maxRetries: 0 });
    fake.last().fail();
    expect(client.state).toBe("closed");
    const online = (spy: typeof winAdd) => spy.mock.calls.filter(([type]) => type === "online").length;
    expect(online(winAdd)).toBe(1);
    expect(online(winRemove)).toBe(1);
  });
});
