// The outbound half of a connection: writes a session's stored messages to
// its socket in seq order. Replay after `hello` and live sends take the same
// path (a pump reading from the store), so nothing newer overtakes the
// replay; entries the store hands over with its append event are written
// without a read when they follow what was written and no pump runs. A
// socket holding more than `limits.bufferedBytes` unsent is not written to
// until it drained: its messages wait in the store meanwhile.
import { messageFrame } from "./frames.js";
import type { Entry } from "./store.js";
import type { Hub, Transport } from "./transport.js";

/** Entries read from the store per step of the pump. */
const READ_BATCH = 256;

/** What the pump needs from its connection. */
export interface OutboundOwner {
  /** The session the connection speaks for now; `undefined`: none (writing stops). */
  current(): string | undefined;
  /** The store failed while reading. */
  fail(error: unknown): void;
}

export class Outbound {
  readonly #hub: Hub;
  readonly #transport: Transport;
  readonly #owner: OutboundOwner;
  /** Highest server seq written to the socket. */
  #written = 0;
  #pumping = false;
  #again = false;
  /** The socket held more than `limits.bufferedBytes`: nothing is written until it drained. */
  #stalled = false;

  constructor(hub: Hub, transport: Transport, owner: OutboundOwner) {
    this.#hub = hub;
    this.#transport = transport;
    this.#owner = owner;
  }

  /** Highest server seq written to the socket. */
  get written(): number {
    return this.#written;
  }

  /** Starts over for a session (after a hello or a reset): `written` is what the client has. */
  reset(written: number): void {
    this.#written = written;
  }

  /** Entries of an append, or a hint that there are some: writes them directly when they follow, else pumps. */
  appended(entries: readonly Entry[] | undefined): void {
    const first = entries?.[0];
    if (!entries || !first || this.#pumping || this.#stalled || this.#owner.current() === undefined) return this.pump();
    if (first.seq > this.#written + 1) return this.pump();
    this.#write(entries);
  }

  /** Writes every stored message above `written`, in order; one pump at a time. */
  pump(): void {
    if (this.#stalled) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#drain().catch((error: unknown) => this.#owner.fail(error));
  }

  async #drain(): Promise<void> {
    try {
      do {
        this.#again = false;
        for (;;) {
          const session = this.#owner.current();
          if (session === undefined) return;
          const entries = await this.#hub.store.read(session, this.#written, READ_BATCH);
          if (!entries || this.#owner.current() !== session) return;
          if (!this.#write(entries)) return;
          if (entries.length < READ_BATCH) break;
        }
      } while (this.#again);
    } finally {
      // in the same microtask as the last look at #again: an append arriving after it starts a new pump
      this.#pumping = false;
    }
  }

  /** Writes the entries that follow `written`; false when the socket became congested. */
  #write(entries: readonly Entry[]): boolean {
    for (const entry of entries) {
      if (entry.seq <= this.#written) continue;
      if (entry.seq !== this.#written + 1) break;
      this.#transport.send(messageFrame(entry.seq, entry.body));
      this.#written = entry.seq;
      if (this.#congested()) return false;
    }
    return true;
  }

  /** True (and a pump scheduled for when it drained) when the socket holds more than `limits.bufferedBytes`. */
  #congested(): boolean {
    const transport = this.#transport;
    if (!transport.whenDrained || !transport.buffered || transport.buffered() <= this.#hub.limits.bufferedBytes) return false;
    this.#stalled = true;
    transport.whenDrained(() => {
      this.#stalled = false;
      this.pump();
    });
    return true;
  }
}
