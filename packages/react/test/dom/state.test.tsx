// useLifelineState / useLatency / LifelineProvider, and every hook on a
// client made outside React.
import { StrictMode } from "react";
import { act, cleanup, render, renderHook, screen } from "@testing-library/react";
import { createClient, isLifelineError } from "@lifeline/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CLOSE_GRACE_MS, LifelineProvider, useLatency, useLatest, useLifeline, useLifelineState, useMessages, useOnType } from "../../src/index.js";
import { chat, kit } from "../helpers.js";
import type { Incoming } from "../helpers.js";
import { Catch } from "./catch.js";

afterEach(cleanup);

describe("useLifelineState", () => {
  it("follows the client through every state", () => {
    const { clock, fake, options } = kit();
    const client = createClient({ ...options, autoConnect: false });
    const { result } = renderHook(() => useLifelineState(client));
    expect(result.current).toBe("idle");
    act(() => client.connect());
    expect(result.current).toBe("connecting");
    act(() => fake.last().open());
    expect(result.current).toBe("open");
    act(() => fake.last().serverClose(1012, "restart"));
    expect(result.current).toBe("reconnecting");
    act(() => clock.advance(clock.nextDue()! - clock.now()));
    act(() => fake.last().open());
    expect(result.current).toBe("open");
    act(() => client.close());
    expect(result.current).toBe("closed");
  });
});

describe("useLatency", () => {
  it("is undefined before the first pong, then the round trip", () => {
    const { clock, fake, options } = kit();
    const client = createClient(options);
    const { result } = renderHook(() => useLatency(client));
    act(() => fake.last().open());
    expect(result.current).toBeUndefined();
    act(() => clock.advance(1_000)); // heartbeat interval: a ping goes out
    expect(fake.last().sent).toContain("ping");
    act(() => clock.advance(42));
    act(() => fake.last().receive("pong"));
    expect(result.current).toBe(42);
    client.close();
  });
});

describe("LifelineProvider / useLifeline", () => {
  it("hands the client to the tree", () => {
    const { options } = kit();
    const client = createClient({ ...options, autoConnect: false });
    const { result } = renderHook(() => useLifeline<typeof client>(), {
      wrapper: ({ children }) => <LifelineProvider client={client}>{children}</LifelineProvider>,
    });
    expect(result.current).toBe(client);
  });

  it("throws a LifelineError without a provider", () => {
    const caught: unknown[] = [];
    function Orphan() {
      useLifeline();
      return null;
    }
    render(
      <Catch>
        <Orphan />
      </Catch>,
      { onCaughtError: (error) => void caught.push(error) },
    );
    expect(caught).toHaveLength(1);
    expect(isLifelineError(caught[0]) && caught[0].code).toBe("INVALID_OPTIONS");
    expect(String(caught[0])).toMatch(/LifelineProvider/);
  });
});

describe("a client made outside React", () => {
  it("works with every hook, through a provider, under StrictMode, and outlives the components", () => {
    const { clock, fake, options } = kit();
    const client = createClient(options);
    type ChatClient = typeof client;
    const messages: Incoming[] = [];
    const chats: number[] = [];
    function Panel() {
      const line = useLifeline<ChatClient>();
      const state = useLifelineState(line);
      const rtt = useLatency(line);
      const presence = useLatest(line, "presence");
      const last = useLatest(line);
      useMessages(line, (msg) => void messages.push(msg));
      useOnType(line, "chat", (msg) => void chats.push(msg.n));
      return (
        <output>
          {state}|{rtt ?? "-"}|{presence?.users.join(",") ?? "-"}|{last?.type ?? "-"}
        </output>
      );
    }
    const { unmount } = render(
      <StrictMode>
        <LifelineProvider client={client}>
          <Panel />
        </LifelineProvider>
      </StrictMode>,
    );
    const shown = () => screen.getByRole("status").textContent;
    expect(shown()).toBe("connecting|-|-|-");
    act(() => fake.last().open());
    act(() => fake.last().receive(JSON.stringify({ type: "presence", users: ["ada", "bo"] })));
    act(() => fake.last().receive(chat(7)));
    act(() => clock.advance(1_000));
    act(() => clock.advance(5));
    act(() => fake.last().receive("pong"));
    expect(shown()).toBe("open|5|ada,bo|chat");
    expect(messages).toEqual([{ type: "presence", users: ["ada", "bo"] }, { type: "chat", n: 7 }]);
    expect(chats).toEqual([7]);

    // the components never own an outside client: unmounting leaves it open
    const off = vi.spyOn(client, "off");
    unmount();
    act(() => clock.advance(CLOSE_GRACE_MS * 5)); // well past the grace period, short of a heartbeat
    expect(client.state).toBe("open");
    expect(off).toHaveBeenCalled();
    expect(fake.sockets).toHaveLength(1);
    client.close();
    expect(clock.pending()).toBe(0);
  });
});
