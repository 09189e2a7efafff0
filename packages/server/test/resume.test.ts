// A socket that outlives its connection object (a Durable Object that
// hibernated or was evicted keeps its sockets): the adapter saves the
// session and fence that `bound` reports, and a new server resumes the
// connection from them, without a new hello.
import { describe, expect, it } from "vitest";
import { CLOSE, createLifelineServer, memoryStore } from "../src/index.js";
import type { Store } from "../src/index.js";

function transport() {
  const frames: string[] = [];
  const closed: Array<[number, string]> = [];
  let wake = () => {};
  const until = (predicate: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`frames: ${frames.join(" ")}; closed ${JSON.stringify(closed)}`)), 2_000);
      wake = () => predicate() && (clearTimeout(timer), resolve());
      wake();
    });
  return {
    frames,
    closed,
    until,
    send: (text: string) => (frames.push(text), wake()),
    close: (code: number, reason: string) => (closed.push([code, reason]), wake()),
  };
}

function node(store: Store, seen: number[] = []) {
  return createLifelineServer({ store, node: "object", onMessage: ({ seq }) => void seen.push(seq), onError: () => {} });
}

describe("resume", () => {
  it("a new server object resumes the socket's session: handled marks kept, unacknowledged messages written again", async () => {
    const store = memoryStore();
    const seen: number[] = [];
    const before = node(store, seen);
    const t1 = transport();
    let saved: [string, number] | undefined;
    const c1 = before.connect(t1, { bound: (session, fence) => (saved = [session, fence]) });
    c1.receive(JSON.stringify({ t: "hello", session: "h", ack: 0 }));
    for (let seq = 1; seq <= 3; seq++) c1.receive(JSON.stringify({ t: "msg", seq, data: seq }));
    await t1.until(() => t1.frames.includes('{"t":"ack","seq":3}'));
    await before.send("h", "one");
    await before.send("h", "two");
    await t1.until(() => t1.frames.some((f) => f.includes('"seq":2,"data":"two"')));
    expect(saved?.[0]).toBe("h");

    // the object is gone; the socket (t1's peer) is not. A new object, same storage:
    const after = node(store, seen);
    const t2 = transport();
    const c2 = after.connect(t2);
    c2.resume(...saved!);
    c2.receive(JSON.stringify({ t: "ack", seq: 1 }));
    c2.receive(JSON.stringify({ t: "msg", seq: 3, data: 3 }));
    c2.receive(JSON.stringify({ t: "msg", seq: 4, data: 4 }));
    await t2.until(() => t2.frames.includes('{"t":"ack","seq":4}'));
    expect(seen).toEqual([1, 2, 3, 4]);
    // nothing acknowledged when the object went: both written again (the client drops what it has by seq)
    expect(t2.frames.filter((f) => f.includes('"t":"msg"'))).toEqual(['{"t":"msg","seq":1,"data":"one"}', '{"t":"msg","seq":2,"data":"two"}']);
    expect(await store.inspect("h")).toMatchObject({ inbound: 4, acked: 1 });
    expect(t2.closed).toEqual([]);
  });

  it("a socket that closed while the object slept: its session is detached (and expires), not left attached", async () => {
    const store = memoryStore();
    const t1 = transport();
    let saved: [string, number] | undefined;
    node(store).connect(t1, { bound: (session, fence) => (saved = [session, fence]) }).receive(JSON.stringify({ t: "hello", session: "z", ack: 0 }));
    await t1.until(() => t1.frames.length > 0);
    const woken = node(store).connect(transport());
    woken.resume(...saved!);
    woken.end();
    for (let i = 0; i < 100 && (await store.inspect("z"))?.attached; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.inspect("z")).toMatchObject({ attached: false, fence: saved![1] });
  });

  it("a session taken over since is closed 4409; a session that is gone gets reset", async () => {
    const store = memoryStore();
    const server = node(store);
    const t1 = transport();
    let saved: [string, number] | undefined;
    server.connect(t1, { bound: (session, fence) => (saved = [session, fence]) }).receive(JSON.stringify({ t: "hello", session: "x", ack: 0 }));
    await t1.until(() => t1.frames.length > 0);
    await store.attach("x", "elsewhere", false);
    const t2 = transport();
    node(store).connect(t2).resume(...saved!);
    await t2.until(() => t2.closed.length > 0);
    expect(t2.closed).toEqual([[CLOSE.TAKEN_OVER, "session taken over"]]);

    const t3 = transport();
    node(store).connect(t3).resume("never-seen", 1);
    await t3.until(() => t3.frames.length > 0);
    expect(t3.frames).toEqual(['{"t":"reset","reason":"unknown-session"}']);
  });
});
