// useSubscription: one subscription on the wire under StrictMode, every
// publication to the newest handler in order, a new topic subscribes again,
// unmounting unsubscribes; gaps and errors reach their options.
import { StrictMode, useState } from "react";
import { act, cleanup, render, screen } from "@testing-library/react";
import { createClient } from "@lifeline/client";
import { atLeastOnce } from "@lifeline/client/at-least-once";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { useSubscription } from "../../src/index.js";
import { kit } from "../helpers.js";

afterEach(cleanup);

const Chat = z.object({ text: z.string() });

function setup() {
  const { fake, options } = kit();
  const client = createClient({ ...options, incoming: undefined, outgoing: undefined, delivery: atLeastOnce() });
  const topicFrames = () =>
    fake.sockets.flatMap((s) => s.sent.map((f) => JSON.parse(f as string) as Record<string, unknown>)).filter((f) => f["t"] === "sub" || f["t"] === "unsub");
  const say = (frame: unknown) => fake.last().receive(JSON.stringify(frame));
  return { fake, client, topicFrames, say };
}

describe("useSubscription", () => {
  it("subscribes once under StrictMode, calls the newest handler for every publication in order, unsubscribes on unmount", async () => {
    const { fake, client, topicFrames, say } = setup();
    const calls: Array<[number, string, number]> = [];
    function Room({ round }: { round: number }) {
      const [lines, setLines] = useState<string[]>([]);
      useSubscription(
        client,
        "room",
        (msg, { offset }) => {
          calls.push([round, msg.text, offset]);
          setLines((all) => [...all, msg.text]);
        },
        { schema: Chat },
      );
      return <output>{lines.join(",")}</output>;
    }
    // the line is open before the first mount: StrictMode's mount, unmount, mount happen on a live line
    fake.last().open();
    const { rerender, unmount } = render(
      <StrictMode>
        <Room round={1} />
      </StrictMode>,
    );
    await act(async () => {
      await Promise.resolve();
    });
    expect(topicFrames()).toEqual([{ t: "sub", topic: "room" }]);
    act(() => {
      say({ t: "subscribed", topic: "room", epoch: "e", offset: 0, recovered: false });
      for (let n = 1; n <= 50; n++) say({ t: "pub", topic: "room", epoch: "e", offset: n, data: { text: `m${n}` } });
    });
    expect(calls.map(([, , offset]) => offset)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    rerender(
      <StrictMode>
        <Room round={2} />
      </StrictMode>,
    );
    act(() => say({ t: "pub", topic: "room", epoch: "e", offset: 51, data: { text: "last" } }));
    expect(calls.at(-1)).toEqual([2, "last", 51]);
    expect(screen.getByRole("status").textContent?.split(",")).toHaveLength(51);
    expect(topicFrames()).toEqual([{ t: "sub", topic: "room" }]);
    unmount();
    await act(async () => {
      await Promise.resolve();
    });
    expect(topicFrames()).toEqual([
      { t: "sub", topic: "room" },
      { t: "unsub", topic: "room" },
    ]);
    client.close();
  });

  it("a new topic leaves the old one and follows the new one", async () => {
    const { fake, client, topicFrames } = setup();
    function Room({ id }: { id: string }) {
      useSubscription(client, `room:${id}`, () => {});
      return null;
    }
    const { rerender } = render(<Room id="1" />);
    await act(async () => {
      fake.last().open();
      await Promise.resolve();
    });
    rerender(<Room id="2" />);
    await act(async () => {
      await Promise.resolve();
    });
    expect(topicFrames()).toEqual([
      { t: "sub", topic: "room:1" },
      { t: "sub", topic: "room:2" },
      { t: "unsub", topic: "room:1" },
    ]);
    client.close();
  });

  it("hands gaps to onGap and errors to onError", async () => {
    const { fake, client, say } = setup();
    const seen: unknown[] = [];
    function Room() {
      useSubscription(client, "room", () => {}, { onGap: (e) => seen.push(e), onError: (e) => seen.push(e.code) });
      return null;
    }
    render(<Room />);
    await act(async () => {
      fake.last().open();
      await Promise.resolve();
    });
    act(() => {
      say({ t: "gap", topic: "room", reason: "trimmed", epoch: "e", offset: 9 });
      say({ t: "refused", topic: "room", code: "FORBIDDEN" });
    });
    expect(seen).toEqual([{ reason: "trimmed" }, "FORBIDDEN"]);
    client.close();
  });
});
