// The public shape of a client: its events and methods (types only).
import type { LifelineError } from "./errors.js";
import type { CloseInfo } from "./types.js";

/** The client's public state, as `client.state` and the `state` event give it. */
export type State = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** `state` event: the public state changed. */
export interface StateChange {
  readonly from: State;
  readonly to: State;
}

/** `close` event: a socket ended (a failed attempt included). */
export interface CloseEvent extends CloseInfo {
  /** Whether the client will try again (false after `close()` or when giving up). */
  readonly willReconnect: boolean;
}

/** Every event of a client and its payload. */
export interface ClientEvents<In = unknown, Out = unknown> {
  state: StateChange;
  /** `attempt` counts attempts since the last stable connection: 1 for the first, n + 1 after n retries. */
  open: { readonly attempt: number };
  close: CloseEvent;
  reconnecting: { readonly attempt: number; readonly delay: number };
  message: In;
  /** `data` is the application's message as it came (never a protocol envelope). */
  invalid: { readonly data: unknown; readonly error: LifelineError };
  heartbeat: { readonly rtt: number };
  drop: { readonly message: Out; readonly reason: "overflow" | "expired" };
  /** With `atLeastOnce()`: the server confirmed these messages (one event per cumulative ack). */
  delivered: { readonly messages: readonly Out[]; readonly seq: number };
  /** With `atLeastOnce()`: the server lost the session; the client started a fresh one and resends what it holds. */
  reset: { readonly reason: string };
  /** `CONNECT_FAILED`, `CONNECT_TIMEOUT`, `URL_ERROR`, `HEARTBEAT_UNANSWERED`, `HANDLER_ERROR`. Unheard, it goes to the console in development builds. */
  error: LifelineError;
}

/** What `send()` did with the message. */
export type SendResult = "sent" | "queued" | "dropped";

/** The `type` values of a discriminated union of messages. */
export type MessageType<In> = In extends { readonly type: infer T } ? (T extends string | number ? T : never) : never;

/** A lifeline client. Create one with `createClient`. */
export interface Client<In = unknown, Out = unknown> {
  /** The current state. */
  readonly state: State;
  /** The last heartbeat round trip in ms, `undefined` before the first pong. */
  readonly latency: number | undefined;
  /** Messages not yet sent (with `atLeastOnce()`, not yet acknowledged), oldest first, as passed to `send()`. */
  readonly pending: readonly Out[];
  /** Sends now when open, otherwise queues. Throws `INVALID_MESSAGE` or `QUEUE_FULL`. */
  send(message: Out): SendResult;
  /** Subscribes; returns the unsubscribe function. Events of createClient's first attempt reach handlers attached right after it returns. */
  on<K extends keyof ClientEvents<In, Out>>(type: K, handler: (event: ClientEvents<In, Out>[K]) => void): () => void;
  /** Unsubscribes a handler given to `on()`. */
  off<K extends keyof ClientEvents<In, Out>>(type: K, handler: (event: ClientEvents<In, Out>[K]) => void): void;
  /** Subscribes to messages whose `type` is `type`, narrowed to that member of the union. */
  onType<T extends MessageType<In>>(type: T, handler: (message: Extract<In, { readonly type: T }>) => void): () => void;
  /** Resolves at the next `open` (at once when open); rejects with `CLOSED` if `close()` comes first, `GAVE_UP` if the client gives up. */
  opened(): Promise<void>;
  /** Starts connecting from `idle` or `closed`; does nothing otherwise. */
  connect(): void;
  /** Drops the current socket (if any) and tries again at once. */
  reconnect(): void;
  /** Stops for good (until `connect()`); queued messages are kept. `code` must be 1000 or 3000–4999. */
  close(code?: number, reason?: string): void;
  /** Validated messages, across reconnects, until the client closes. */
  [Symbol.asyncIterator](): AsyncIterableIterator<In>;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}
