// useClient: one client and one socket per component lifetime, whatever
// StrictMode and re-renders do; the client closes after unmount and leaves
// nothing running.
import { Activity, StrictMode, useState } from "react";
import { act, cleanup, render, renderHook, screen } from "@testing-library/react";
import { isLifelineError } from "@lifeline/client";
import type { Client } from "@lifeline/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CLOSE_GRACE_MS, useClient, useLifelineState } from "../../src/index.js";
import { kit } from "../helpers.js";
import { Catch } from "./catch.js";

afterEach(cleanup);

describe("useClient", () => {
  it("opens one socket under StrictMode's double mount and keeps one client across renders", () => {
    const { fake, options } = kit();
    const factory = vi.fn(() => options);
    const seen = new Set<Client<unknown, unknown>>();
    function Probe() {
      const client = useClient(factory);
      seen.add(client as Client<unknown, unknown>);
      return <output>{useLifelineState(client)}</output>;
    }
    const { rerender } = render(<Probe />, { reactStrictMode: true });
    expect(fake.sockets).toHaveLength(1);
    expect(screen.getByRole("status").textContent).toBe("connecting");
    act(() => fake.last().open());
    expect(screen.getByRole("status").textContent).toBe("open");
    rerender(<Probe />);
    rerender(<Probe />);
    expect(fake.sockets).toHaveLength(1);
    expect(fake.live()).toHaveLength(1);
    // StrictMode renders twice; what the discarded render made never connected
    const connected = [...seen].filter((c) => c.state !== "idle");
    expect(connected).toHaveLength(1);
  });

  it("does not read the options again on re-render", () => {
    const { fake, options } = kit();
    const first = vi.fn(() => options);
    const { result, rerender } = renderHook(({ factory }) => useClient(factory), { initialProps: { factory: first } });
    const client = result.current;
    const second = vi.fn(() => ({ ...options, url: "ws://other.test/ws" }));
    rerender({ factory: second });
    expect(result.current).toBe(client);
    expect(second).not.toHaveBeenCalled();
    expect(fake.sockets.map((s) => s.url)).toEqual(["ws://react.test/ws"]);
  });

  it("closes the client after the grace period once unmounted, leaving no timer and no socket", () => {
    const { clock, fake, options } = kit();
    const { result, unmount } = renderHook(() => useClient(() => options), { reactStrictMode: true });
    const client = result.current;
    act(() => fake.last().open());
    expect(clock.pending()).toBeGreaterThan(0); // the heartbeat runs while open

    unmount();
    expect(client.state).toBe("open");
    act(() => clock.advance(CLOSE_GRACE_MS - 1));
    expect(client.state).toBe("open");
    act(() => clock.advance(1));
    expect(client.state).toBe("closed");
    expect(fake.last().closedWith).toBeDefined();
    expect(fake.last().readyState).toBe(3); // CLOSED
    expect(fake.live()).toEqual([]);
    expect(fake.last().listenerCount()).toBe(0);
    expect(clock.pending()).toBe(0);
    expect(fake.sockets).toHaveLength(1);
  });

  it("uses the global timers for the grace period when no clock is given", () => {
    vi.useFakeTimers();
    try {
      const { fake, options } = kit();
      const { clock: _, ...withoutClock } = options;
      const { result, unmount } = renderHook(() => useClient(() => ({ ...withoutClock, heartbeat: false })));
      act(() => fake.last().open());
      unmount();
      expect(vi.getTimerCount()).toBe(1);
      act(() => vi.advanceTimersByTime(CLOSE_GRACE_MS));
      expect(result.current.state).toBe("closed");
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps the client while hidden by <Activity> for less than the grace period, and reconnects after a longer one", () => {
    const { clock, fake, options } = kit();
    let client!: Client<unknown, unknown>;
    function Probe() {
      client = useClient(() => options) as Client<unknown, unknown>;
      return null;
    }
    let show!: (visible: boolean) => void;
    function Host() {
      const [visible, setVisible] = useState(true);
      show = setVisible;
      return (
        <Activity mode={visible ? "visible" : "hidden"}>
          <Probe />
        </Activity>
      );
    }
    render(<Host />);
    act(() => fake.last().open());
    act(() => show(false));
    act(() => show(true));
    act(() => clock.advance(CLOSE_GRACE_MS));
    expect(client.state).toBe("open");
    expect(fake.sockets).toHaveLength(1);

    act(() => show(false));
    act(() => clock.advance(CLOSE_GRACE_MS));
    expect(client.state).toBe("closed");
    act(() => show(true));
    expect(client.state).toBe("connecting");
    expect(fake.sockets).toHaveLength(2);
  });

  it("leaves the client idle with autoConnect: false until connect()", () => {
    const { fake, options } = kit();
    const { result } = renderHook(() => useClient(() => ({ ...options, autoConnect: false })), { reactStrictMode: true });
    expect(result.current.state).toBe("idle");
    expect(fake.sockets).toHaveLength(0);
    act(() => result.current.connect());
    expect(fake.sockets).toHaveLength(1);
  });

  it("does not reconnect a client the application closed when the component re-renders", () => {
    const { fake, options } = kit();
    const { result, rerender } = renderHook(() => useClient(() => options));
    act(() => result.current.close());
    rerender();
    expect(result.current.state).toBe("closed");
    expect(fake.sockets).toHaveLength(1);
  });

  it("rejects something other than an options function with a LifelineError", () => {
    const caught: unknown[] = [];
    const onCaughtError = (error: unknown) => void caught.push(error);
    function Bad({ input }: { input: unknown }) {
      useClient(input as () => { url: string });
      return null;
    }
    function Boundary({ input }: { input: unknown }) {
      return (
        <Catch>
          <Bad input={input} />
        </Catch>
      );
    }
    render(<Boundary input={{ url: "ws://x.test" }} />, { onCaughtError });
    render(<Boundary input={() => null} />, { onCaughtError });
    expect(caught).toHaveLength(2);
    expect(caught.every(isLifelineError)).toBe(true);
    expect(caught.map((e) => (e as { code: string }).code)).toEqual(["INVALID_OPTIONS", "INVALID_OPTIONS"]);
    expect(String(caught[0])).toMatch(/useClient\(\) takes a function.*got object/);
    expect(String(caught[1])).toMatch(/must return the client's options, got null/);
  });
});
