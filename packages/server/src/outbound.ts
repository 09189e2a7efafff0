// The outbound side of a connection (a layer of its class chain, see
// connection.ts): writes a session's stored messages to its socket in seq
// order, and takes the client's acks of them. Replay after `hello` and live
// sends take the same path (a pump reading from the store), so nothing newer
// overtakes the replay; entries the store hands over with its append event
// are written without a read when they follow what was written and no pump
// runs. A socket holding more than `limits.bufferedBytes` unsent is not
// written to until it drained: its messages wait in the store meanwhile.
// Topic publications are written through here too (the TopicConnection side).
import { Delivery } from "./delivery.js";
import { messageFrame } from "./frames.js";
import type { Entry, ResetReason } from "./store.js";

/** Entries read from the store per step of the pump. */
const READ_BATCH = 256;

export abstract class Outbound extends Delivery {
  /** Highest server seq written to the socket. */
  #written = 0;
  /** Highest server seq acknowledged by the client. */
  #clientAcked = 0;
  #pumping = false;
  #again = false;
  /** The socket held more than `limits.bufferedBytes`: nothing is written until it drained. */
  #stalled = false;

  /** Announces that the session is gone (handshake.ts); `drop`: the client broke it, the store drops it too. */
  protected abstract reset(reason: ResetReason, drop: boolean): Promise<void>;

  /** Starts over for a session (after a hello, a resume or a reset): the client has every message up to `acked`. */
  protected restartOutbound(acked: number): void {
    this.#written = this.#clientAcked = acked;
  }

  /** An `ack` frame: the client has the session's messages up to `seq`; stored, and its producers hear of room. */
  protected async acknowledge(seq: number): Promise<void> {
    if (this.phase !== "bound" || seq <= this.#clientAcked) return;
    if (seq > this.#written) return this.reset("ack-ahead", true);
    this.#clientAcked = seq;
    const session = this.sessionId as string;
    const result = await this.hub.store.acknowledge(session, this.fence, seq);
    // fenced: a newer connection has the session (close 4409); gone: it expired or was lost (reset)
    if (result !== "ok") return this.lost(result);
    this.hub.acknowledged(session);
  }

  /** Entries of an append, or a hint that there are some: writes them directly when they follow, else pumps. */
  protected appended(entries: readonly Entry[] | undefined): void {
    const first = entries?.[0];
    if (!entries || !first || this.#pumping || this.#stalled || this.session === undefined) return this.pump();
    if (first.seq > this.#written + 1) return this.pump();
    this.#write(entries);
  }

  /** Writes every stored message above the ones written, in order; one pump at a time. */
  protected pump(): void {
    if (this.#stalled) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pumpAll().catch((error: unknown) => this.failWith(error, "store"));
  }

  async #pumpAll(): Promise<void> {
    try {
      do {
        this.#again = false;
        for (;;) {
          const session = this.session;
          if (session === undefined) return;
          const entries = await this.hub.store.read(session, this.#written, READ_BATCH);
          if (!entries || this.session !== session) return;
          if (!this.#write(entries)) return;
          if (entries.length < READ_BATCH) break;
        }
      } while (this.#again);
    } finally {
      // in the same microtask as the last look at #again: an append arriving after it starts a new pump
      this.#pumping = false;
    }
  }

  /** Writes the entries that follow the ones written; false when the socket became congested. */
  #write(entries: readonly Entry[]): boolean {
    for (const entry of entries) {
      if (entry.seq <= this.#written) continue;
      if (entry.seq !== this.#written + 1) break;
      this.transport.send(messageFrame(entry.seq, entry.body));
      this.#written = entry.seq;
      if (this.#stall()) return false;
    }
    return true;
  }

  /** True (and a pump scheduled for when it drained) when the socket holds more than `limits.bufferedBytes`. */
  #stall(): boolean {
    const transport = this.transport;
    if (!transport.whenDrained || !transport.buffered || transport.buffered() <= this.hub.limits.bufferedBytes) return false;
    this.#stalled = true;
    transport.whenDrained(() => {
      this.#stalled = false;
      this.pump();
    });
    return true;
  }

  // ---- for topics (TopicConnection) -----------------------------------------

  /** Writes a frame of a topic subscription, while the connection speaks for a session. */
  write(text: string): void {
    if (this.phase === "bound") this.transport.send(text);
  }

  /** The store failed while serving a topic subscription. */
  fail(error: unknown): void {
    if (this.phase !== "closed") this.failWith(error, "store");
  }

  /** The socket holds more than `limits.bufferedBytes` (where the runtime tells): topics stop writing to it. */
  get congested(): boolean {
    const transport = this.transport;
    return transport.whenDrained !== undefined && transport.buffered !== undefined && transport.buffered() > this.hub.limits.bufferedBytes;
  }

  /** Calls `resume` once the socket drained (or closed). */
  whenDrained(resume: () => void): void {
    if (this.transport.whenDrained) this.transport.whenDrained(resume);
    else resume();
  }
}
