// One client connection speaking protocol version 2, over any transport. It
// is one object per connection (an idle connection's memory counts), built as
// a chain of classes, one concern each, from the base up:
//   Inbox      inbox.ts      inbound work in order, one item at a time, within the turn budget
//   Link       link.ts       what every layer reads: server, socket, user, phase, session, fence
//   Delivery   delivery.ts   the client's messages: dedup, onMessage, the mark stored and acknowledged
//   Outbound   outbound.ts   the session's messages written in seq order (replay and live), the client's acks
//   Handshake  handshake.ts  hello, resume, claiming a session, reset, onConnect/onDisconnect
//   Connection here          frames in (admitted by phase, phase.ts), the store's events, close and teardown
// Inbound frames are handled one after another, so `onMessage` sees a
// session's messages in order and an ack is sent only once the handlers
// before it settled and the high-water mark is stored.
import { CLOSE } from "./close-codes.js";
import type { ClientFrame } from "./frames.js";
import { Handshake } from "./handshake.js";
import type { Step } from "./inbox.js";
import { admit } from "./phase.js";
import type { Entry, Fence, ResetReason } from "./store.js";
import type { TopicConnection } from "./topics/hub.js";
import type { ConnectOptions, Hub, ProtocolConnection, Transport } from "./transport.js";

export class Connection extends Handshake implements ProtocolConnection, TopicConnection {
  readonly #foreign: ((text: string, problem: string) => boolean) | undefined;
  /** `end()` ran: the socket is gone or going. */
  #ended = false;

  constructor(hub: Hub, transport: Transport, options: ConnectOptions = {}) {
    super(hub, transport, options);
    this.#foreign = options.foreign;
  }

  receive(text: string, bytes = text.length): void {
    if (this.phase === "closed") return;
    if (bytes > this.hub.maxPayload) return void this.close(CLOSE.TOO_BIG, "frame too large");
    if (text === "ping") return this.transport.send("pong");
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

  end(): void {
    if (this.#ended) return;
    this.phase = "closed";
    this.#ended = true;
    this.hub.topics.leave(this);
    this.push(async () => {
      const session = this.sessionId;
      try {
        if (session !== undefined && this.fence !== 0) {
          await this.commit(false);
          await this.hub.store.detach(session, this.fence);
        }
      } finally {
        // even when the store failed (reported by the chain), this node lets go of the connection
        this.hub.unbind(this, session);
        this.hub.ended(this);
        this.unannounce();
      }
    });
  }

  /** Closes the socket and ends the connection; resolves when its last handler settled. */
  close(code: number, reason: string): Promise<void> {
    if (!this.#ended) {
      this.transport.close(code, reason);
      this.end();
    }
    return this.idle();
  }

  /** A store event for this connection's session. */
  notify(
    event: { type: "append"; entries?: readonly Entry[] } | { type: "takeover"; fence: Fence } | { type: "reset"; reason: ResetReason },
  ): void {
    if (this.phase !== "bound") return;
    if (event.type === "append") return this.appended(event.entries);
    if (event.type === "takeover") {
      if (event.fence > this.fence) void this.close(CLOSE.TAKEN_OVER, "session taken over");
      return;
    }
    this.push(() => this.reset(event.reason, false));
  }

  /** For its inbox: a frame's text or a step of the connection's own. */
  protected handle(item: string | Step): Promise<void> | void {
    return typeof item === "string" ? this.#frame(item) : item();
  }

  /** For its inbox: an item failed (the store, in practice). */
  protected failed(error: unknown): void {
    this.failWith(error, "store");
  }

  /** Parses a frame's text and handles it, in the state the items before it left. */
  #frame(text: string): Promise<void> | void {
    const frame = this.#admit(text);
    if (frame) return this.#handle(frame);
  }

  /** Parses a frame's text in the connection's phase: the frame to handle, or nothing (ignored, or a violation dealt with). */
  #admit(text: string): ClientFrame | undefined {
    const admitted = admit(this.phase, text);
    if (admitted === undefined) return;
    if ("problem" in admitted) return void this.#violation(text, admitted.problem);
    if (admitted.frame.t === "hello") this.phase = "hello";
    return admitted.frame;
  }

  #violation(text: string, problem: string): void {
    if (this.#foreign?.(text, problem)) return;
    void this.close(CLOSE.PROTOCOL_ERROR, `protocol error: ${problem}`);
  }

  /** Handles one frame; a promise only when something had to be waited for. */
  #handle(frame: ClientFrame): Promise<void> | void {
    switch (frame.t) {
      case "hello":
        return this.hello(frame.session, frame.ack, frame.resume);
      case "msg":
      case "req":
        return this.message(frame.seq, frame.t === "req" ? frame.id : undefined, frame.data);
      case "ack":
        return this.acknowledge(frame.seq);
      case "sub":
      case "unsub":
        if (this.phase === "bound") return this.hub.topics.frame(this, frame);
    }
  }
}
