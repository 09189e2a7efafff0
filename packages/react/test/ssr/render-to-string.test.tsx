// Server rendering: every hook renders, the state is "idle", and nothing is
// opened or scheduled — no socket, no client timer, no global timer.
import { renderToString } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useClient, useLatency, useLatest, useLifelineState, useMessages, useOnType } from "../../src/index.js";
import { kit } from "../helpers.js";

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe("renderToString", () => {
  it("renders state idle and opens nothing, with the fake WebSocket and clock", () => {
    const { clock, fake, options } = kit();
    function Chat() {
      const client = useClient(() => options);
      const state = useLifelineState(client);
      const rtt = useLatency(client);
      const presence = useLatest(client, "presence");
      useMessages(client, () => {});
      useOnType(client, "chat", () => {});
      return (
        <p>
          {state}|{rtt ?? "-"}|{presence ? "seen" : "-"}
        </p>
      );
    }
    expect(renderToString(<Chat />)).toBe("<p>idle<!-- -->|<!-- -->-<!-- -->|<!-- -->-</p>");
    expect(fake.sockets).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("opens no socket and starts no global timer with the runtime's own WebSocket and timers", () => {
    const constructed = vi.fn();
    const Real = globalThis.WebSocket;
    // counts constructions of the global WebSocket the client would use
    vi.stubGlobal(
      "WebSocket",
      class extends Real {
        constructor(url: string | URL, protocols?: string | string[]) {
          constructed(url);
          super(url, protocols);
        }
      },
    );
    try {
      function Badge() {
        const client = useClient(() => ({ url: "ws://127.0.0.1:9/never" }));
        return <b>{useLifelineState(client)}</b>;
      }
      expect(renderToString(<Badge />)).toBe("<b>idle</b>");
      expect(constructed).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
