// Both directions at once through broken connections, with a small client
// written from docs/protocol.md ("Implementing a client"): a seeded schedule
// of client-side resets (no close frame), clean closes and server-side sheds
// while numbered messages stream each way. Nothing lost, nothing twice, in
// order, and never a reset for this well-behaved session.
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import type { Frame } from "./helpers.js";
import { startLifeline } from "./helpers.js";
import type { Harness } from "./helpers.js";
import { seeded } from "../../../tools/test-kit/seeded.mjs";

/** The client side of protocol v2, minimal: resend what is unacknowledged, deliver each server seq once. */
class ReferenceClient {
  readonly delivered: unknown[] = [];
  readonly resets: string[] = [];
  #ws: WebSocket | undefined;
  #open = false;
  #nextSeq = 0;
  readonly #unacked: Array<{ seq: number; data: unknown }> = [];
  #received = 0;
  #ackedToServer = 0;
  opens = 0;

  constructor(
    readonly url: string,
    readonly session: string,
  ) {}

  get unacked(): number {
    return this.#unacked.length;
  }

  connect(): Promise<void> {
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.on("error", () => {});
    ws.on("close", () => {
      if (this.#ws === ws) this.#open = false;
    });
    ws.on("message", (raw) => this.#onFrame(JSON.parse(raw.toString()) as Frame));
    return new Promise((resolve) => {
      ws.on("open", () => {
        this.#open = true;
        this.opens++;
        ws.send(JSON.stringify({ t: "hello", session: this.session, ack: this.#received }));
        for (const m of this.#unacked) ws.send(JSON.stringify({ t: "msg", seq: m.seq, data: m.data }));
        resolve();
      });
      ws.on("close", () => resolve());
    });
  }

  send(data: unknown): void {
    const m = { seq: ++this.#nextSeq, data };
    this.#unacked.push(m);
    if (this.#open) this.#ws!.send(JSON.stringify({ t: "msg", seq: m.seq, data }));
  }

  /** Breaks the line: `reset` = no close frame (as a dead network), else a clean close. */
  drop(kind: "reset" | "close"): void {
    const ws = this.#ws;
    this.#open = false;
    if (kind === "reset") ws?.terminate();
    else ws?.close();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  flushAck(): void {
    if (this.#open && this.#received > this.#ackedToServer) {
      this.#ackedToServer = this.#received;
      this.#ws!.send(JSON.stringify({ t: "ack", seq: this.#received }));
    }
  }

  close(): void {
    this.#ws?.terminate();
  }

  #onFrame(frame: Frame): void {
    if (frame.t === "ack") {
      while (this.#unacked.length > 0 && this.#unacked[0]!.seq <= (frame.seq as number)) this.#unacked.shift();
    } else if (frame.t === "msg" && typeof frame.seq === "number") {
      if (frame.seq <= this.#received) return;
      if (frame.seq !== this.#received + 1) throw new Error(`server skipped from ${this.#received} to ${frame.seq}`);
      this.#received = frame.seq;
      this.delivered.push(frame["data"]);
      // batched: one ack per 8 messages (and at the end)
      if (this.#received - this.#ackedToServer >= 8) this.flushAck();
    } else if (frame.t === "reset") {
      this.resets.push(String(frame["reason"]));
    }
  }
}

let h: Harness | undefined;
let client: ReferenceClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await h?.close();
  h = undefined;
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("two-way streaming through faults", () => {
  it.each([1, 2, 3])("seed %i: every message once and in order, both ways", async (seed) => {
    const rand = seeded(seed); // a failure replays from its seed
    const got: unknown[] = [];
    h = await startLifeline({ onMessage: (_ctx, data) => void got.push(data) });
    const c = (client = new ReferenceClient(h.url, `two-way-${seed}`));
    await c.connect();
    // the server can send to a session once its hello made it
    while ((await h.lifeline.store.inspect(c.session)) === undefined) await turn();
    const total = 600;
    let faults = 0;
    for (let n = 1; n <= total; n++) {
      c.send(n);
      expect(await h.lifeline.send(c.session, n)).toEqual({ ok: true, seq: n });
      const dice = rand();
      if (dice < 0.02) {
        c.drop("reset");
        faults++;
      } else if (dice < 0.03) {
        c.drop("close");
        faults++;
      } else if (dice < 0.04) {
        h.lifeline.shed(1, 0);
        faults++;
      }
      if (n % 5 === 0) await turn();
      if (!c.isOpen && rand() < 0.5) await c.connect();
    }
    if (!c.isOpen) await c.connect();
    // drain: until the server has everything and the client has everything, bounded
    const deadline = Date.now() + 10_000;
    while ((got.length < total || c.delivered.length < total || c.unacked > 0) && Date.now() < deadline) {
      if (!c.isOpen) await c.connect();
      c.flushAck();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    expect(faults).toBeGreaterThan(5);
    expect(got).toEqual(expected);
    expect(c.delivered).toEqual(expected);
    expect(c.resets).toEqual([]);
    // the client's last ack empties the replay buffer
    c.flushAck();
    await vi.waitFor(async () => expect(await h!.lifeline.store.inspect(c.session)).toMatchObject({ inbound: total, sent: total, acked: total, buffered: 0 }));
    expect(h.lifeline.stats().duplicates).toBeGreaterThan(0); // resends happened, and were dropped
  });
});
