// The one internal contract between the core and the opt-in features
// (at-least-once, request, share). A feature gets a `Line` — what the core
// lends it — and returns hooks the core calls at four moments: the socket
// opened, a frame came in, a message goes out, the line was lost (plus the
// client starting and stopping). A feature never touches the core's fields
// or another feature's; the core knows nothing of any feature.
import type { Events } from "./events.js";
import type { Entry } from "./outbox.js";
import type { Frame, ResolvedOptions, WebSocketLike } from "./options.js";
import type { StandardSchemaV1 } from "./schema.js";

/** Passes an incoming value on to the next feature (and finally to validation and `message`); `re` marks a reply. */
export type Next = (value: unknown, re?: unknown) => void | Promise<void>;

export interface Line {
  readonly options: ResolvedOptions;
  readonly events: Events;
  /** True while a socket is open. */
  readonly isOpen: boolean;
  /** Writes a frame to the open socket; false (and a reconnect) if it refuses. */
  write(frame: Frame): boolean;
  /** Sends what the queue holds, as far as the line and the features let it. */
  flush(): void;
  /** True when a feature carries request ids in its own envelopes (acknowledged delivery). */
  readonly framed: boolean;
  /** Messages waiting in the core's queue. */
  readonly queued: number;
  /** Validates `value` against `schema`; calls `done` with the result or reports `invalid` (with `raw`) and calls `fail`. */
  check(raw: unknown, value: unknown, schema: StandardSchemaV1 | undefined, done: (value: unknown) => void, fail?: (error: Error) => void): void | Promise<void>;
  /** Sends `message` through the client as `send()` does, with `meta` for the features (a request id). */
  send(message: unknown, meta?: Meta): "sent" | "queued" | "dropped";
  /** Drops the socket and tries again at once, as `reconnect()` does. */
  reconnect(): void;
  /** Offers an envelope of a kind its carrier does not know to the features' `claim` hooks; false when none took it. */
  claim(value: unknown): boolean;
}

/** What a feature attaches to an outgoing message. */
export interface Meta {
  /** A request's correlation id. */
  readonly id?: string;
}

export interface Extension {
  /**
   * Supplies the socket for an attempt instead of `options.WebSocket` (a relay to another tab); `undefined`: the usual socket.
   * Its events must carry `target` = that socket (or none): the core ignores events of any other target as stale.
   */
  socket?(href: string, protocols: string | string[] | undefined): WebSocketLike | undefined;
  /** `connect()` from idle or closed. */
  start?(): void;
  /** The socket opened; runs before the queue is flushed (handshakes, resends). */
  open?(): void;
  /** A decoded incoming value: consume it, or pass it on with `next`. A promise holds later frames until it settles. */
  receive?(raw: unknown, value: unknown, next: Next, re?: unknown): void | Promise<void>;
  /** An envelope of a kind the carrier (acknowledged delivery) does not know: true when this feature consumed it. */
  claim?(value: unknown): boolean;
  /** Writes a queued message (through `line.write`); false leaves it queued (flow control, or the line went down). */
  transmit?(entry: Entry): boolean;
  /** What a message turns into before encoding (a request id merged in). */
  outgoing?(message: unknown, meta: Meta | undefined): unknown;
  /** `close()` is about to close an open line: last words (a final ack) go out now. */
  closing?(): void;
  /** The socket (open or opening) was let go: failed, closed, declared dead, or dropped by `reconnect()`/`close()`. */
  lost?(): void;
  /** The client closed or gave up. */
  stop?(): void;
  /** Messages the feature holds beyond the queue (sent, not yet acknowledged), oldest first. */
  pending?(): unknown[];
  /** True when the feature carries request ids in its own envelopes (so they are not merged into messages). */
  readonly framed?: boolean;
}

/** How a feature entry point reaches a client it was not given at `createClient` (`request()`): `client[EXTEND](feature)`. */
export const EXTEND: unique symbol = Symbol.for("lifeline.extend") as never;
