// A follower's relay as a socket: the core is the only one that listens to it
// (one listener, for every event type), so a relay keeps one listener per
// type, a function or a `handleEvent` object, and its events carry `target`.
import { describe, expect, it } from "vitest";
import { Relay } from "../../src/share/relay.js";
import type { Post } from "../../src/share/wire.js";

describe("Relay: the socket a follower's client gets", () => {
  it("calls the listener of each type with events whose target is the relay; a listener object's handleEvent works too", () => {
    const posts: Post[] = [];
    const relay = new Relay((post) => posts.push(post), "ping");
    const seen: Array<[string, unknown, unknown]> = [];
    const listener = (event: { type: string; target: unknown; data?: unknown }) => seen.push([event.type, event.target, event.data]);
    for (const type of ["open", "close", "error"]) relay.addEventListener(type, listener);
    relay.addEventListener("message", { handleEvent: (event: { type: string; target: unknown; data?: unknown }) => seen.push(["object:" + event.type, event.target, event.data]) });

    relay.open("leader", 1);
    relay.deliver("hello");
    relay.send("ping");
    relay.drop();

    expect(seen).toEqual([
      ["open", relay, undefined],
      ["object:message", relay, "hello"],
      ["close", relay, undefined],
    ]);
    expect(posts).toEqual([{ k: "ping", r: relay.id, l: "leader" }]);
  });

  it("keeps one listener per type: a second replaces the first, and removing another leaves it in place", () => {
    const relay = new Relay(() => {}, undefined);
    const calls: string[] = [];
    relay.addEventListener("message", () => calls.push("first"));
    const second = () => calls.push("second");
    relay.addEventListener("message", second);
    relay.removeEventListener("message", () => calls.push("someone else's"));
    relay.open("leader", 1);
    relay.deliver("a");
    relay.removeEventListener("message", second);
    relay.deliver("b");
    expect(calls).toEqual(["second"]);
  });
});
