// The client's messages on one connection (a layer of its class chain, see
// connection.ts): each is handed to `onMessage` once, in seq order (a seq at
// or below the last one handled is a duplicate: acknowledged again, not
// handled), and the mark of what was handled is stored in a commit: when the
// inbox runs dry, every COMMIT_EVERY messages while it does not, and before
// it waits for a later turn (inbox.ts). What is stored is acknowledged once
// COMMIT_EVERY more messages are, or once the client's frames stopped for
// ACK_QUIET_MS: a client streaming to a window hears one ack per 64 messages
// instead of one per socket read (each ack a write on both sides).
import { ackFrame, messageBody } from "./frames.js";
import { Link } from "./link.js";
import type { MessageContext } from "./options.js";
import { realSetTimeout } from "./platform.js";
import type { Fence } from "./store.js";

/** Commit (store the high-water mark) at least this often while frames keep coming; ack at least this often too. */
const COMMIT_EVERY = 64;
/** The rest of what was handled is acknowledged once no frame came for this long (20 to 40 ms after the last). */
const ACK_QUIET_MS = 20;
/** Frames waiting in the inbox above which its socket stops reading (pausing costs syscalls: not for every wait). */
const PAUSE_ABOVE = 512;

export abstract class Delivery extends Link {
  /** Highest client seq handled, and the part of it the store has. */
  #handled = 0;
  #recorded = 0;
  #sinceCommit = 0;
  #ackDue = false;
  /** The last seq an ack frame told the client. */
  #announced = 0;
  /** The quiet timer is armed; `#ackMoved`: a commit came since, so it waits once more. */
  #ackArmed = false;
  #ackMoved = false;

  /** A fenced write was refused: another connection owns the session, or it is gone. */
  protected abstract lost(result: "fenced" | "gone"): void | Promise<void>;

  /**
   * For its inbox, after each item: commit when the queue runs dry, or every
   * COMMIT_EVERY messages while it does not. The inbox waits for the write, so
   * what is handled and not yet stored never exceeds one commit's worth: a
   * node or object torn down mid-stream redelivers no more than that (the
   * Durable Object teardown test's 0 duplicates; committing behind the
   * handling, tried on 7 December, broke it).
   */
  protected afterStep(last: boolean): Promise<void> | void {
    // the third: 64 handled since the last ack frame, so that acks stay at most 64 apart (the client's window moves)
    if (last || this.#sinceCommit >= COMMIT_EVERY || this.#handled - this.#announced >= COMMIT_EVERY) return this.commit(true);
  }

  /**
   * For its inbox, when the turn's budget ran out with frames still queued:
   * the mark of what was handled is stored (and acknowledged) before the
   * inbox waits for a later turn, as when it runs dry. With more than
   * PAUSE_ABOVE frames waiting (a client sending faster than it is served,
   * not one keeping to a window), the socket also stops reading until the
   * inbox ran dry: the kernel's buffers hold the rest.
   */
  protected beforeWait(queued: number): Promise<void> | void {
    if (queued > PAUSE_ABOVE) this.transport.pause?.();
    return this.commit(true);
  }

  /** For its inbox: everything queued was handled. */
  protected drained(): void {
    this.transport.resume?.();
  }

  /** A `msg` or `req` frame: handed to `onMessage` unless it is a duplicate; a promise only when the handler returned one. */
  protected message(seq: number, id: string | undefined, data: unknown): Promise<void> | void {
    if (this.phase !== "bound") return;
    const session = this.sessionId as string;
    if (seq <= this.#handled) {
      this.hub.count("duplicates");
      this.#ackDue = true;
      return;
    }
    // a seq may skip ahead: numbers are the client's to give (a new leader tab numbers above the old
    // one's, see the client's share module); order is what counts, and a lower seq later is a duplicate
    const context: MessageContext = {
      session,
      seq,
      user: this.user,
      ...(id !== undefined && { id }),
      reply: (out: unknown) => this.hub.sendBody(session, messageBody(out, id)),
    };
    let pending: void | Promise<void>;
    try {
      pending = this.hub.onMessage(context, data);
    } catch (error) {
      return this.#rejected(error, seq);
    }
    // a synchronous handler costs no microtask: most frames of a burst are handled in one go
    if (typeof (pending as Promise<void> | undefined)?.then !== "function") return this.#delivered(seq);
    return (pending as Promise<void>).then(
      () => this.#delivered(seq),
      (error: unknown) => this.#rejected(error, seq),
    );
  }

  #delivered(seq: number): void {
    this.#handled = seq;
    this.#sinceCommit++;
    this.#ackDue = true;
    this.hub.count("delivered");
  }

  #rejected(error: unknown, seq: number): void {
    this.phase = "closed";
    this.failWith(error, "onMessage", seq);
  }

  /**
   * Stores the high-water mark and (with `ack`) tells the client, at once
   * with `now`, else as the batching above says; a promise only while the
   * store writes.
   */
  protected commit(ack: boolean, now = false): Promise<void> | void {
    if (this.sessionId === undefined || this.fence === 0 || (this.phase !== "bound" && this.phase !== "closed")) return;
    this.#sinceCommit = 0;
    if (this.#handled > this.#recorded) return this.#record(this.sessionId, this.fence, this.#handled, ack, now);
    if (ack) this.#sendAck(now);
  }

  async #record(session: string, fence: Fence, handled: number, ack: boolean, now: boolean): Promise<void> {
    const result = await this.hub.store.record(session, fence, handled);
    if (result !== "ok") return this.lost(result);
    if (handled > this.#recorded) this.#recorded = handled;
    if (ack) this.#sendAck(now);
  }

  /** Acknowledges what the store has, when the client has something to hear: now, or when its frames stop. */
  #sendAck(now: boolean): void {
    if (!this.#ackDue || this.phase !== "bound") return;
    if (!now && this.#recorded - this.#announced < COMMIT_EVERY) return this.#ackWhenQuiet();
    // a commit that found nothing new to store still acks; anything handled since waits for the next commit
    this.#ackDue = this.#handled > this.#recorded;
    this.#announce(this.#recorded);
  }

  #announce(seq: number): void {
    this.#announced = seq;
    this.transport.send(ackFrame(seq));
  }

  /** One timer per connection at most: re-armed once per ACK_QUIET_MS while commits keep coming, not per commit. */
  #ackWhenQuiet(): void {
    if (this.#ackArmed) {
      this.#ackMoved = true;
      return;
    }
    this.#ackArmed = true;
    // not unref'd: an ack owed keeps the process for at most 40 ms (an in-process connection has no socket to do it)
    realSetTimeout.call(
      globalThis,
      () => {
        this.#ackArmed = false;
        const moved = this.#ackMoved;
        this.#ackMoved = false;
        // frames came meanwhile and an ack is still owed: wait once more; else acknowledge (nothing when nothing is owed)
        if (moved && this.#ackDue) this.#ackWhenQuiet();
        else this.#sendAck(true);
      },
      ACK_QUIET_MS,
    );
  }

  // ---- for the handshake (a session begins, is reset) ----------------------

  /** A session was attached: the client's messages up to `inbound` were handled before. */
  protected startMarks(inbound: number): void {
    this.#handled = this.#recorded = this.#announced = inbound;
  }

  /** Acknowledges the handled messages to the client in any case. */
  protected acknowledgeHandled(): void {
    this.#announce(this.#handled);
  }

  /** Commits and acknowledges what was handled, even when the client heard it already. */
  protected commitAll(): Promise<void> | void {
    this.#ackDue = true;
    return this.commit(true, true);
  }

  /** Something was handled that the client has not heard acknowledged. */
  protected get ackDue(): boolean {
    return this.#ackDue;
  }

  /** The session is gone: nothing handled, nothing to acknowledge. */
  protected clearMarks(): void {
    this.#handled = this.#recorded = this.#sinceCommit = this.#announced = 0;
    this.#ackDue = false;
  }
}
