// How a connection comes to speak for a session, and stops (a layer of its
// class chain, see connection.ts). A `hello` claims the session on this node
// (the newest connection wins) and attaches it in the store, whose fence
// shuts older connections out; a Durable Object's socket woken from
// hibernation resumes with the fence its hello got. A session the store does
// not have (or a client ahead of it) is announced with `reset`, after which a
// new hello may follow on the same socket. `onConnect` and `onDisconnect` are
// told from here.
import { CLOSE } from "./close-codes.js";
import { resetFrame } from "./frames.js";
import { Outbound } from "./outbound.js";
import type { AttachOwner, Fence, ResetReason } from "./store.js";
import type { ConnectOptions, Hub, Transport } from "./transport.js";
import { turnBudget } from "./turn-budget.js";

export abstract class Handshake extends Outbound {
  readonly #bound: ((session: string, fence: Fence) => void) | undefined;
  /** The session `onConnect` was told about, until `onDisconnect` is. */
  #announced: string | undefined;

  constructor(hub: Hub, transport: Transport, options: ConnectOptions) {
    super(hub, transport, options.user ?? "");
    this.#bound = options.bound;
  }

  resume(session: string, fence: Fence): void {
    if (this.phase !== "greeting") return;
    this.phase = "hello";
    this.sessionId = session;
    this.push(async () => {
      if (!(await this.#claim(session))) return;
      const found = await this.hub.store.inspect(session);
      const ours = found !== undefined && found.reset === undefined && found.attached && found.fence === fence && found.user === this.userId;
      // closed meanwhile (the socket ended while the object slept): with the fence, end() detaches the session
      if (ours) this.fence = fence;
      if (this.phase !== "hello") return;
      if (!found || found.reset !== undefined) {
        this.phase = "bound";
        return this.reset(found?.reset ?? "unknown-session", false);
      }
      if (!ours) return void this.close(CLOSE.TAKEN_OVER, "session taken over");
      this.phase = "bound";
      this.startMarks(found.inbound);
      // what the socket got beyond the client's last ack is written again: the client drops it by seq
      this.restartOutbound(found.acked);
      // the object's memory is new after a wake: the application hears of the connection again
      this.#announce(session, true);
      this.pump();
    });
  }

  /** A `hello` frame (admitted in the greeting or after a reset): the connection speaks for `session`, or resets it. */
  protected async hello(session: string, ack: number, resume: boolean): Promise<void> {
    if (this.phase !== "hello") return;
    this.sessionId = session;
    if (!(await this.#claim(session))) return;
    if (this.phase !== "hello") return;
    const store = this.hub.store;
    // a new session says ack 0 and no resume; a client that relies on a session we do not know lost it
    const owner: AttachOwner = { user: this.userId, sessionsPerUser: this.hub.limits.sessionsPerUser };
    const found = await store.attach(session, this.hub.node, ack === 0 && !resume, owner);
    if (found.status !== "attached") {
      return this.reset(found.status === "absent" ? "unknown-session" : found.reason, false);
    }
    this.fence = found.fence;
    // a burst of hellos whose attach replies arrive together (200 in one read from Redis): the rest
    // of each (the ack's write, the replay's read) counts against the turn's budget as a step does
    const wait = turnBudget();
    if (wait) await wait;
    if (this.phase !== "hello") return; // closed meanwhile: end() detaches with this fence
    if (ack > found.sent) return this.reset("ack-ahead", true);
    this.phase = "bound";
    this.#bound?.(session, this.fence);
    this.startMarks(found.inbound);
    this.restartOutbound(Math.max(ack, found.acked));
    if (ack > found.acked) {
      const acknowledged = await store.acknowledge(session, this.fence, ack);
      if (acknowledged !== "ok") return this.lost(acknowledged);
    }
    this.acknowledgeHandled();
    this.#announce(session, !found.created);
    this.pump();
  }

  /**
   * Claims `session` on this node. The newest connection wins: the older one
   * here stops and finishes first. Another user's connection is left alone,
   * and this one learns nothing of the session: false, after a reset.
   */
  async #claim(session: string): Promise<boolean> {
    const previous = this.hub.claim(session, this);
    if (previous === "refused") {
      await this.reset("unknown-session", false);
      return false;
    }
    await previous?.close(CLOSE.TAKEN_OVER, "session taken over");
    await this.hub.ready;
    return true;
  }

  /** A fenced write was refused: another connection owns the session, or it is gone. */
  protected lost(result: "fenced" | "gone"): void | Promise<void> {
    if (result === "fenced") {
      void this.close(CLOSE.TAKEN_OVER, "session taken over");
      return;
    }
    if (this.phase === "bound") return this.reset("unknown-session", false);
  }

  /** Announces that the session is gone; the client starts a new one with a new hello on this socket. */
  protected async reset(reason: ResetReason, drop: boolean): Promise<void> {
    // a closing connection announces nothing: end() detaches and the next hello learns the state
    if (this.phase === "closed") return;
    // what was handled is acknowledged first, so the client does not send it again under its new session
    if (drop && this.phase === "bound") {
      await this.commitAll();
      if (this.phase !== "bound") return;
    } else if (this.phase === "bound" && this.ackDue) {
      // the session is already gone from the store (overflow, lost): its mark cannot be stored,
      // but the application did handle these messages
      this.acknowledgeHandled();
    }
    const session = this.sessionId;
    const fence = this.fence;
    this.hub.topics.leave(this);
    this.hub.unbind(this, session);
    this.unannounce();
    this.sessionId = undefined;
    this.fence = 0;
    this.clearMarks();
    this.restartOutbound(0);
    this.phase = "reset";
    this.hub.count("resets");
    this.transport.send(resetFrame(reason));
    if (drop && session !== undefined && fence !== 0) await this.hub.store.drop(session, fence);
  }

  #announce(session: string, resumed: boolean): void {
    this.#announced = session;
    this.hub.connected({ session, user: this.user, resumed });
  }

  /** Tells `onDisconnect`, when `onConnect` was told of a session. */
  protected unannounce(): void {
    const session = this.#announced;
    if (session === undefined) return;
    this.#announced = undefined;
    this.hub.disconnected({ session, user: this.user });
  }
}
