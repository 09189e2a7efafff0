// What every layer of a connection reads (its class chain, see
// connection.ts): the server it belongs to (its Hub), its socket (a
// Transport), its user, where it stands in the protocol (phase.ts) and the
// session and fence it speaks for. Only the handshake (handshake.ts) sets
// the session and fence; the phase moves with the handshake, a frame's
// admission and the teardown (connection.ts), and a failed `onMessage`
// (delivery.ts). A failure reported here closes the connection.
import { CLOSE } from "./close-codes.js";
import { Inbox } from "./inbox.js";
import type { ErrorContext } from "./options.js";
import type { Phase } from "./phase.js";
import type { Fence } from "./store.js";
import type { Hub, Transport } from "./transport.js";

/** A connection as its server and its layers see it: the fields are in the connection's one object. */
export abstract class Link extends Inbox {
  protected readonly hub: Hub;
  protected readonly transport: Transport;
  /** The connection's user; `""`: anonymous. */
  protected readonly userId: string;
  protected phase: Phase = "greeting";
  /** The session of the hello (or resume) being handled or accepted; `session` shows it once bound. */
  protected sessionId: string | undefined;
  /** The fence the store gave this connection for `sessionId`; 0: none. */
  protected fence: Fence = 0;

  constructor(hub: Hub, transport: Transport, user: string) {
    super();
    this.hub = hub;
    this.transport = transport;
    this.userId = user;
  }

  get session(): string | undefined {
    return this.phase === "bound" ? this.sessionId : undefined;
  }

  get user(): string | undefined {
    return this.userId === "" ? undefined : this.userId;
  }

  /** Closes the socket and ends the connection; resolves when its last handler settled. */
  abstract close(code: number, reason: string): Promise<void>;

  /** Tells `onError` and closes with 1011: the store or `onMessage` failed. */
  protected failWith(error: unknown, source: ErrorContext["source"], seq?: number): void {
    this.hub.onError(error, { source, ...(this.sessionId !== undefined && { session: this.sessionId }), ...(seq !== undefined && { seq }) });
    void this.close(CLOSE.INTERNAL_ERROR, source === "onMessage" ? "onMessage failed" : "store failed");
  }
}
