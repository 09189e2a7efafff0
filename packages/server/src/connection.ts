// One client connection speaking protocol version 2, over any transport.
// Inbound frames are handled one after another (its Inbox, inbox.ts, the base class), so
// `onMessage` sees a session's messages in order and an ack is sent only once
// the handlers before it settled and the high-water mark is stored.
// Outbound messages are written by its Outbound (outbound.ts).
import { CLOSE } from "./close-codes.js";
import { ackFrame, messageBody, resetFrame } from "./frames.js";
import type { ClientFrame } from "./frames.js";
import type { ErrorContext, MessageContext } from "./options.js";
import { Outbound } from "./outbound.js";
import { admit } from "./phase.js";
import type { Phase } from "./phase.js";
import type { AttachOwner, Entry, Fence, ResetReason } from "./store.js";
import { Inbox } from "./inbox.js";
import type { Step } from "./inbox.js";
import type { TopicConnection } from "./topics/hub.js";
import type { ConnectOptions, Hub, ProtocolConnection, Transport } from "./transport.js";
import { turnBudget } from "./turn-budget.js";

/** Commit (store the high-water mark, ack) at least this often while frames keep coming. */
const COMMIT_EVERY = 64;
/** Frames waiting in the inbox above which its socket stops reading (pausing costs syscalls: not for every wait). */
const PAUSE_ABOVE = 512;

export class Connection extends Inbox implements ProtocolConnection, TopicConnection {
  readonly #hub: Hub;
  readonly #transport: Transport;
  readonly #foreign: ((text: string, problem: string) => boolean) | undefined;
  readonly #bound: ((session: string, fence: Fence) => void) | undefined;
  /** The connection's user; `""`: anonymous. */
  readonly #user: string;
  #phase: Phase = "greeting";

  #session: string | undefined;
  #fence: Fence = 0;
  /** Highest client seq handled, and the part of it the store has. */
  #handled = 0;
  #recorded = 0;
  #sinceCommit = 0;
  #ackDue = false;
  /** Highest server seq acknowledged by the client. */
  #clientAcked = 0;
  readonly #out: Outbound;
  /** The session `onConnect` was told about, until `onDisconnect` is. */
  #announced: string | undefined;
  /** `end()` ran: the socket is gone or going. */
  #ended = false;

  constructor(hub: Hub, transport: Transport, options: ConnectOptions = {}) {
    super();
    this.#hub = hub;
    this.#transport = transport;
    this.#foreign = options.foreign;
    this.#bound = options.bound;
    this.#user = options.user ?? "";
    this.#out = new Outbound(hub, transport, {
      current: () => this.session,
      fail: (error) => this.#fail(error, "store"),
    });
  }

  get session(): string | undefined {
    return this.#phase === "bound" ? this.#session : undefined;
  }

  get user(): string | undefined {
    return this.#user === "" ? undefined : this.#user;
  }

  receive(text: string, bytes = text.length): void {
    if (this.#phase === "closed") return;
    if (bytes > this.#hub.maxPayload) return void this.close(CLOSE.TOO_BIG, "frame too large");
    if (text === "ping") return this.#transport.send("pong");
    if (text === "pong") return;
    // with `foreign`, the embedder learns at once whether a frame is lifeline's: it is judged as it arrives
    if (this.#foreign) {
      const frame = this.#admit(text);
      if (frame) this.push(() => this.#handle(frame));
      return;
    }
    // parsed in its turn (#frame): a turn that reads many sockets' windows only queues their texts
    this.push(text);
  }

  resume(session: string, fence: Fence): void {
    if (this.#phase !== "greeting") return;
    this.#phase = "hello";
    this.#session = session;
    this.push(async () => {
      if (!(await this.#claim(session))) return;
      const found = await this.#hub.store.inspect(session);
      const ours = found !== undefined && found.reset === undefined && found.attached && found.fence === fence && found.user === this.#user;
      // closed meanwhile (the socket ended while the object slept): with the fence, end() detaches the session
      if (ours) this.#fence = fence;
      if (this.#phase !== "hello") return;
      if (!found || found.reset !== undefined) {
        this.#phase = "bound";
        return this.#reset(found?.reset ?? "unknown-session", false);
      }
      if (!ours) return void this.close(CLOSE.TAKEN_OVER, "session taken over");
      this.#phase = "bound";
      this.#handled = this.#recorded = found.inbound;
      // what the socket got beyond the client's last ack is written again: the client drops it by seq
      this.#out.reset((this.#clientAcked = found.acked));
      // the object's memory is new after a wake: the application hears of the connection again
      this.#announce(session, true);
      this.#out.pump();
    });
  }

  end(): void {
    if (this.#ended) return;
    this.#phase = "closed";
    this.#ended = true;
    this.#hub.topics.leave(this);
    this.push(async () => {
      const session = this.#session;
      try {
        if (session !== undefined && this.#fence !== 0) {
          await this.#commit(false);
          await this.#hub.store.detach(session, this.#fence);
        }
      } finally {
        // even when the store failed (reported by the chain), this node lets go of the connection
        this.#hub.unbind(this, session);
        this.#hub.ended(this);
        this.#unannounce();
      }
    });
  }

  /** Writes a frame of a topic subscription, while the connection speaks for a session. */
  write(text: string): void {
    if (this.#phase === "bound") this.#transport.send(text);
  }

  /** The store failed while serving a topic subscription. */
  fail(error: unknown): void {
    if (this.#phase !== "closed") this.#fail(error, "store");
  }

  /** The socket holds more than `limits.bufferedBytes` (where the runtime tells): topics stop writing to it. */
  get congested(): boolean {
    const transport = this.#transport;
    return transport.whenDrained !== undefined && transport.buffered !== undefined && transport.buffered() > this.#hub.limits.bufferedBytes;
  }

  /** Calls `resume` once the socket drained (or closed). */
  whenDrained(resume: () => void): void {
    if (this.#transport.whenDrained) this.#transport.whenDrained(resume);
    else resume();
  }

  /** Closes the socket and ends the connection; resolves when its last handler settled. */
  close(code: number, reason: string): Promise<void> {
    if (!this.#ended) {
      this.#transport.close(code, reason);
      this.end();
    }
    return this.idle();
  }

  /** A store event for this connection's session. */
  notify(
    event: { type: "append"; entries?: readonly Entry[] } | { type: "takeover"; fence: Fence } | { type: "reset"; reason: ResetReason },
  ): void {
    if (this.#phase !== "bound") return;
    if (event.type === "append") return this.#out.appended(event.entries);
    if (event.type === "takeover") {
      if (event.fence > this.#fence) void this.close(CLOSE.TAKEN_OVER, "session taken over");
      return;
    }
    this.push(() => this.#reset(event.reason, false));
  }

  // ---- inbound --------------------------------------------------------------

  /** For its inbox: a frame's text or a step of the connection's own. */
  protected handle(item: string | Step): Promise<void> | void {
    return typeof item === "string" ? this.#frame(item) : item();
  }

  /**
   * For its inbox, after each item: commit when the queue runs dry, or every
   * COMMIT_EVERY messages while it does not. The inbox waits for the write, so
   * what is handled and not yet stored never exceeds one commit's worth: a
   * node or object torn down mid-stream redelivers no more than that (the
   * Durable Object teardown test's 0 duplicates; committing behind the
   * handling, tried on 7 December, broke it).
   */
  protected afterStep(last: boolean): Promise<void> | void {
    if (last || this.#sinceCommit >= COMMIT_EVERY) return this.#commit(true);
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
    if (queued > PAUSE_ABOVE) this.#transport.pause?.();
    return this.#commit(true);
  }

  /** For its inbox: everything queued was handled. */
  protected drained(): void {
    this.#transport.resume?.();
  }

  /** For its inbox: an item failed (the store, in practice). */
  protected failed(error: unknown): void {
    this.#fail(error, "store");
  }

  /** Parses a frame's text and handles it, in the state the items before it left. */
  #frame(text: string): Promise<void> | void {
    const frame = this.#admit(text);
    if (frame) return this.#handle(frame);
  }

  /** Parses a frame's text in the connection's phase: the frame to handle, or nothing (ignored, or a violation dealt with). */
  #admit(text: string): ClientFrame | undefined {
    const admitted = admit(this.#phase, text);
    if (admitted === undefined) return;
    if ("problem" in admitted) return void this.#violation(text, admitted.problem);
    if (admitted.frame.t === "hello") this.#phase = "hello";
    return admitted.frame;
  }

  #violation(text: string, problem: string): void {
    if (this.#foreign?.(text, problem)) return;
    void this.close(CLOSE.PROTOCOL_ERROR, `protocol error: ${problem}`);
  }

  #fail(error: unknown, source: ErrorContext["source"], seq?: number): void {
    this.#hub.onError(error, { source, ...(this.#session !== undefined && { session: this.#session }), ...(seq !== undefined && { seq }) });
    void this.close(CLOSE.INTERNAL_ERROR, source === "onMessage" ? "onMessage failed" : "store failed");
  }

  /** Handles one frame; a promise only when something had to be waited for. */
  #handle(frame: ClientFrame): Promise<void> | void {
    switch (frame.t) {
      case "hello":
        return this.#hello(frame.session, frame.ack, frame.resume);
      case "msg":
      case "req":
        return this.#message(frame.seq, frame.t === "req" ? frame.id : undefined, frame.data);
      case "ack":
        return this.#acknowledge(frame.seq);
      case "sub":
      case "unsub":
        if (this.#phase === "bound") return this.#hub.topics.frame(this, frame);
    }
  }

  async #hello(session: string, ack: number, resume: boolean): Promise<void> {
    if (this.#phase !== "hello") return;
    this.#session = session;
    if (!(await this.#claim(session))) return;
    if (this.#phase !== "hello") return;
    const store = this.#hub.store;
    // a new session says ack 0 and no resume; a client that relies on a session we do not know lost it
    const owner: AttachOwner = { user: this.#user, sessionsPerUser: this.#hub.limits.sessionsPerUser };
    const found = await store.attach(session, this.#hub.node, ack === 0 && !resume, owner);
    if (found.status !== "attached") {
      return this.#reset(found.status === "absent" ? "unknown-session" : found.reason, false);
    }
    this.#fence = found.fence;
    // a burst of hellos whose attach replies arrive together (200 in one read from Redis): the rest
    // of each (the ack's write, the replay's read) counts against the turn's budget as a step does
    const wait = turnBudget();
    if (wait) await wait;
    if (this.#phase !== "hello") return; // closed meanwhile: end() detaches with this fence
    if (ack > found.sent) return this.#reset("ack-ahead", true);
    this.#phase = "bound";
    this.#bound?.(session, this.#fence);
    this.#handled = this.#recorded = found.inbound;
    this.#out.reset((this.#clientAcked = Math.max(ack, found.acked)));
    if (ack > found.acked) {
      const acknowledged = await store.acknowledge(session, this.#fence, ack);
      if (acknowledged !== "ok") return this.#lost(acknowledged);
    }
    this.#transport.send(ackFrame(this.#handled));
    this.#announce(session, !found.created);
    this.#out.pump();
  }

  /**
   * Claims `session` on this node. The newest connection wins: the older one
   * here stops and finishes first. Another user's connection is left alone,
   * and this one learns nothing of the session: false, after a reset.
   */
  async #claim(session: string): Promise<boolean> {
    const previous = this.#hub.claim(session, this);
    if (previous === "refused") {
      await this.#reset("unknown-session", false);
      return false;
    }
    await previous?.close(CLOSE.TAKEN_OVER, "session taken over");
    await this.#hub.ready;
    return true;
  }

  #message(seq: number, id: string | undefined, data: unknown): Promise<void> | void {
    if (this.#phase !== "bound") return;
    const session = this.#session as string;
    if (seq <= this.#handled) {
      this.#hub.count("duplicates");
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
      reply: (out: unknown) => this.#hub.sendBody(session, messageBody(out, id)),
    };
    let pending: void | Promise<void>;
    try {
      pending = this.#hub.onMessage(context, data);
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
    this.#hub.count("delivered");
  }

  #rejected(error: unknown, seq: number): void {
    this.#phase = "closed";
    this.#fail(error, "onMessage", seq);
  }

  async #acknowledge(seq: number): Promise<void> {
    if (this.#phase !== "bound" || seq <= this.#clientAcked) return;
    if (seq > this.#out.written) return this.#reset("ack-ahead", true);
    this.#clientAcked = seq;
    const session = this.#session as string;
    const result = await this.#hub.store.acknowledge(session, this.#fence, seq);
    // fenced: a newer connection has the session (close 4409); gone: it expired or was lost (reset)
    if (result !== "ok") return this.#lost(result);
    this.#hub.acknowledged(session);
  }

  /** Stores the high-water mark and (with `ack`) tells the client; a promise only while the store writes. */
  #commit(ack: boolean): Promise<void> | void {
    if (this.#session === undefined || this.#fence === 0 || (this.#phase !== "bound" && this.#phase !== "closed")) return;
    this.#sinceCommit = 0;
    if (this.#handled > this.#recorded) return this.#record(this.#session, this.#fence, this.#handled, ack);
    if (ack) this.#sendAck();
  }

  async #record(session: string, fence: Fence, handled: number, ack: boolean): Promise<void> {
    const result = await this.#hub.store.record(session, fence, handled);
    if (result !== "ok") return this.#lost(result);
    if (handled > this.#recorded) this.#recorded = handled;
    if (ack) this.#sendAck();
  }

  /** Acknowledges what the store has, when the client has something to hear. */
  #sendAck(): void {
    if (!this.#ackDue || this.#phase !== "bound") return;
    // a commit that found nothing new to store still acks; anything handled since waits for the next commit
    this.#ackDue = this.#handled > this.#recorded;
    this.#transport.send(ackFrame(this.#recorded));
  }

  /** A fenced write was refused: another connection owns the session, or it is gone. */
  #lost(result: "fenced" | "gone"): void | Promise<void> {
    if (result === "fenced") {
      void this.close(CLOSE.TAKEN_OVER, "session taken over");
      return;
    }
    if (this.#phase === "bound") return this.#reset("unknown-session", false);
  }

  /** Announces that the session is gone; the client starts a new one with a new hello on this socket. */
  async #reset(reason: ResetReason, drop: boolean): Promise<void> {
    // a closing connection announces nothing: end() detaches and the next hello learns the state
    if (this.#phase === "closed") return;
    // what was handled is acknowledged first, so the client does not send it again under its new session
    if (drop && this.#phase === "bound") {
      this.#ackDue = true;
      await this.#commit(true);
      if (this.#phase !== "bound") return;
    } else if (this.#phase === "bound" && this.#ackDue) {
      // the session is already gone from the store (overflow, lost): its mark cannot be stored,
      // but the application did handle these messages
      this.#transport.send(ackFrame(this.#handled));
    }
    const session = this.#session;
    const fence = this.#fence;
    this.#hub.topics.leave(this);
    this.#hub.unbind(this, session);
    this.#unannounce();
    this.#session = undefined;
    this.#fence = 0;
    this.#handled = this.#recorded = this.#clientAcked = this.#sinceCommit = 0;
    this.#out.reset(0);
    this.#ackDue = false;
    this.#phase = "reset";
    this.#hub.count("resets");
    this.#transport.send(resetFrame(reason));
    if (drop && session !== undefined && fence !== 0) await this.#hub.store.drop(session, fence);
  }

  #announce(session: string, resumed: boolean): void {
    this.#announced = session;
    this.#hub.connected({ session, user: this.user, resumed });
  }

  #unannounce(): void {
    const session = this.#announced;
    if (session === undefined) return;
    this.#announced = undefined;
    this.#hub.disconnected({ session, user: this.user });
  }
}
