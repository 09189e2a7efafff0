// What the protocol core and its surroundings say to each other: a runtime
// adapter gives a connection a Transport (and gets a ProtocolConnection
// back); the server gives each connection a Hub.
import type { ErrorContext, MessageContext, ResolvedOptions, SendResult, SessionContext } from "./options.js";
import type { Fence, Store } from "./store.js";
import type { TopicHub } from "./topics/hub.js";
import type { Link } from "./link.js";

/** What a runtime adapter gives the core: a way to write a text frame and to close. */
export interface Transport {
  /** Writes one text frame (the adapter drops it when the socket is no longer open). */
  send(text: string): void;
  /** Closes the socket with this code and reason. */
  close(code: number, reason: string): void;
  /**
   * Bytes written and not yet sent, where the runtime tells. With
   * `whenDrained`, the core stops writing messages above `limits.bufferedBytes`.
   */
  buffered?(): number;
  /** Calls `resume` (once) when the socket has sent what it held, or closed. */
  whenDrained?(resume: () => void): void;
  /**
   * Stops reading frames from the socket for now (frames already read may
   * still come). The core calls it when the connection's inbound frames wait
   * for a later turn of the event loop, and `resume` once it handled them.
   */
  pause?(): void;
  /** Reads frames again after `pause` (and before a close, so that the closing handshake is read). */
  resume?(): void;
}

/** Per-connection choices of the embedder. */
export interface ConnectOptions {
  /**
   * The user this connection was authenticated as (the application's own
   * auth, at the upgrade). Its sessions belong to that user: another user's
   * connection cannot read or take them.
   * @default the anonymous namespace
   */
  user?: string;
  /**
   * A text frame that is not protocol v2 in this state (not JSON, unknown
   * `t`, bad fields, no `hello` first, a second `hello`). Return true when
   * the embedder took it; otherwise the connection is closed with 4400.
   * Called within `receive()`, so the embedder knows at once whether the
   * frame was lifeline's (such a connection's frames are parsed as they
   * arrive; without `foreign`, in their turn of the connection's inbox).
   * @default none: every such frame closes with 4400
   */
  foreign?: (text: string, problem: string) => boolean;
  /**
   * Called each time a `hello` was accepted and the connection speaks for
   * `session` with `fence`. An adapter whose sockets outlive the connection
   * object (Durable Object hibernation) saves both with the socket and
   * hands them to `resume()` when it wakes.
   */
  bound?: (session: string, fence: Fence) => void;
}

/** The core's handle on one connection; an adapter feeds it frames and tells it when the socket closed. */
export interface ProtocolConnection {
  /** Handles one text frame (`ping` is answered with `pong`, `pong` is ignored). */
  receive(text: string, bytes?: number): void;
  /** The socket closed (for whatever reason): finish in-flight work, then release the session. */
  end(): void;
  /** The session this connection speaks for, once its `hello` was accepted. */
  readonly session: string | undefined;
  /** The user it was accepted for; `undefined`: anonymous. */
  readonly user: string | undefined;
  /**
   * For a socket that outlived its connection object (a hibernated Durable
   * Object woke up): speak for `session` again with the `fence` its hello got,
   * without a new hello. Frames received after this call wait for it. When a
   * newer connection took the session over, the socket is closed with 4409;
   * when the session is gone, the client is told `reset`.
   */
  resume(session: string, fence: Fence): void;
}

/** What a connection needs from its server (implemented by `server.ts`). */
export interface Hub {
  readonly store: Store;
  readonly node: string;
  readonly maxPayload: number;
  readonly limits: ResolvedOptions["limits"];
  /** Resolves once the store delivers this node's events. */
  readonly ready: Promise<void>;
  onMessage(context: MessageContext, data: unknown): void | Promise<void>;
  onError(error: unknown, context: ErrorContext): void;
  /** Stores an encoded message body for `session` (see `Entry.body`). */
  sendBody(session: string, body: string): Promise<SendResult>;
  /**
   * Makes `conn` the session's connection on this node; returns the one it
   * replaces, or `"refused"` (and changes nothing) when that one is another user's.
   */
  claim(session: string, conn: Link): Link | undefined | "refused";
  /** A connection now speaks for a session (onConnect). */
  connected(context: SessionContext & { readonly resumed: boolean }): void;
  /** …and no longer does (onDisconnect). */
  disconnected(context: SessionContext): void;
  /** `conn` no longer speaks for `session`. */
  unbind(conn: Link, session: string | undefined): void;
  /** `conn` ended. */
  ended(conn: Link): void;
  /** The client of `session` acknowledged messages: there is room in its replay buffer. */
  acknowledged(session: string): void;
  count(what: "delivered" | "duplicates" | "resets"): void;
  /** Topic subscriptions (topics/hub.ts). */
  readonly topics: TopicHub;
}
