// useMessages / useOnType / useLatest: every message of a burst reaches the
// handler, in order; a handler that changes every render is called without
// re-subscribing and without reconnecting.
import { useState } from "react";
import { act, cleanup, render, renderHook, screen } from "@testing-library/react";
import { createClient } from "@lifeline/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useClient, useLatest, useMessages, useOnType } from "../../src/index.js";
import { chat, kit } from "../helpers.js";
import type { Incoming } from "../helpers.js";

afterEach(cleanup);

const BURST = 1_000;

describe("useMessages", () => {
  it("calls the handler once per message of a 1,000-message burst, in order, and renders them all", () => {
    const { fake, options } = kit();
    const calls: number[] = [];
    function Log() {
      const client = useClient(() => options);
      const [lines, setLines] = useState<number[]>([]);
      useMessages(client, (msg) => {
        if (msg.type !== "chat") return;
        calls.push(msg.n);
        setLines((all) => [...all, msg.n]);
      });
      return <output>{lines.length === 0 ? "none" : `${lines.length}:${lines[0]}..${lines[lines.length - 1]}`}</output>;
    }
    render(<Log />, { reactStrictMode: true });
    act(() => {
      fake.last().open();
      // one synchronous burst inside one act(): React batches the renders, not the calls
      for (let n = 0; n < BURST; n++) fake.last().receive(chat(n));
    });
    expect(calls).toEqual(Array.from({ length: BURST }, (_, n) => n));
    expect(screen.getByRole("status").textContent).toBe(`${BURST}:0..${BURST - 1}`);
  });

  it("calls the newest handler without re-subscribing or reconnecting when its identity changes every render", () => {
    const { fake, options } = kit();
    const client = createClient(options);
    const on = vi.spyOn(client, "on");
    const seen: Array<[render: number, n: number]> = [];
    function Counter({ round }: { round: number }) {
      // a new closure every render, capturing this render's prop
      useMessages(client, (msg) => void (msg.type === "chat" && seen.push([round, msg.n])));
      return null;
    }
    const { rerender } = render(<Counter round={0} />);
    act(() => fake.last().open());
    for (let round = 1; round <= 20; round++) {
      rerender(<Counter round={round} />);
      act(() => fake.last().receive(chat(round)));
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1, i + 1]));
    expect(on.mock.calls.filter(([type]) => type === "message")).toHaveLength(1);
    expect(fake.sockets).toHaveLength(1);
    expect(client.state).toBe("open");
    client.close();
  });

  it("unsubscribes on unmount", () => {
    const { fake, options } = kit();
    const client = createClient(options);
    const handler = vi.fn();
    const { unmount } = renderHook(() => useMessages(client, handler));
    fake.last().open();
    fake.last().receive(chat(1));
    unmount();
    fake.last().receive(chat(2));
    expect(handler.mock.calls).toEqual([[{ type: "chat", n: 1 }]]);
    client.close();
  });
});

describe("useOnType", () => {
  it("hands over only its type, narrowed, every message of a burst in order", () => {
    const { fake, options } = kit();
    const client = createClient(options);
    const got: number[] = [];
    renderHook(() => useOnType(client, "chat", (msg) => void got.push(msg.n)));
    act(() => {
      fake.last().open();
      for (let n = 0; n < BURST; n++) {
        fake.last().receive(chat(n));
        if (n % 100 === 0) fake.last().receive(JSON.stringify({ type: "presence", users: [] }));
      }
    });
    expect(got).toEqual(Array.from({ length: BURST }, (_, n) => n));
    client.close();
  });

  it("re-subscribes when the type changes, not when the handler does", () => {
    const { fake, options } = kit();
    const client = createClient(options);
    const onType = vi.spyOn(client, "onType");
    const got: string[] = [];
    const { rerender } = renderHook(({ type }) => useOnType(client, type, (msg) => void got.push(`${type}:${msg.type}`)), {
      initialProps: { type: "chat" as Incoming["type"] },
    });
    rerender({ type: "chat" });
    rerender({ type: "chat" });
    expect(onType).toHaveBeenCalledTimes(1);
    rerender({ type: "presence" });
    expect(onType).toHaveBeenCalledTimes(2);
    fake.last().open();
    fake.last().receive(chat(1));
    fake.last().receive(JSON.stringify({ type: "presence", users: ["ada"] }));
    expect(got).toEqual(["presence:presence"]);
    client.close();
  });
});

describe("useLatest", () => {
  it("is undefined until a message comes, then the last one (of its type, when given)", () => {
    const { fake, options } = kit();
    const client = createClient(options);
    const { result } = renderHook(() => ({ any: useLatest(client), presence: useLatest(client, "presence") }));
    expect(result.current).toEqual({ any: undefined, presence: undefined });
    act(() => {
      fake.last().open();
      fake.last().receive(JSON.stringify({ type: "presence", users: ["ada"] }));
      for (let n = 0; n < BURST; n++) fake.last().receive(chat(n));
    });
    expect(result.current.any).toEqual({ type: "chat", n: BURST - 1 });
    expect(result.current.presence).toEqual({ type: "presence", users: ["ada"] });
    client.close();
  });
});
