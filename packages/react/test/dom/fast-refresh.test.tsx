// Fast refresh for real: react-refresh's runtime (what Vite, Next.js and
// webpack plugins drive) swaps a component's code in a mounted tree. An edit
// that keeps the hooks keeps the client and its socket; an edit that changes
// them remounts, and the old client closes after the grace period.
import type { Client } from "@lifeline/client";
import * as Refresh from "react-refresh/runtime";
import { describe, expect, it } from "vitest";
import { CLOSE_GRACE_MS, useClient, useLifelineState } from "../../src/index.js";
import { kit } from "../helpers.js";

// before react-dom loads: it registers with this hook when its module runs
Refresh.injectIntoGlobalHook(globalThis);
const { act, cleanup, render, screen } = await import("@testing-library/react");

type Options = ReturnType<typeof kit>["options"];

/** One "edit" of the module that defines `Chat`: same hooks, different output. */
function edit(version: string, options: Options, clients: Set<Client<unknown, unknown>>, hooks = "useClient+useLifelineState") {
  function Chat() {
    const client = useClient(() => options);
    clients.add(client as Client<unknown, unknown>);
    return <output>{`${version}:${useLifelineState(client)}`}</output>;
  }
  Refresh.register(Chat, "chat.tsx%Chat");
  // what the Babel/SWC plugin emits: a key of the component's hook calls
  Refresh.setSignature(Chat, hooks);
  return Chat;
}

describe("fast refresh", () => {
  it("keeps the one client and its socket across edits that keep the hooks", () => {
    const { fake, options } = kit();
    const clients = new Set<Client<unknown, unknown>>();
    const Chat = edit("v1", options, clients);
    render(<Chat />, { reactStrictMode: true });
    act(() => fake.last().open());
    expect(screen.getByRole("status").textContent).toBe("v1:open");

    for (const version of ["v2", "v3", "v4"]) {
      edit(version, options, clients);
      act(() => void Refresh.performReactRefresh());
      expect(screen.getByRole("status").textContent).toBe(`${version}:open`);
    }
    expect(fake.sockets).toHaveLength(1);
    expect([...clients].filter((c) => c.state !== "idle")).toHaveLength(1);
    cleanup();
  });

  it("remounts on an edit that changes the hooks: a new client, the old one closed after the grace period", () => {
    const { clock, fake, options } = kit();
    const clients = new Set<Client<unknown, unknown>>();
    const Chat = edit("v1", options, clients, "a");
    render(<Chat />);
    act(() => fake.last().open());
    const first = fake.last();

    edit("v2", options, clients, "b");
    act(() => void Refresh.performReactRefresh());
    expect(fake.sockets).toHaveLength(2);
    act(() => clock.advance(CLOSE_GRACE_MS));
    expect(first.readyState).toBe(3); // CLOSED
    expect(fake.live()).toEqual([fake.last()]);
    cleanup();
    act(() => clock.advance(CLOSE_GRACE_MS));
    expect(fake.live()).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});
