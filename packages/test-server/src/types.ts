// The public shapes of the test server, in a file of their own so that every
// concern (control endpoint included) can name them without importing the
// server that composes the concerns.
import type { EventEmitter } from "node:events";
import type { Delivery } from "./delivery.js";
import type { OutgoingData, ServerMode } from "./options.js";

/** One user frame the server received (heartbeat `ping`/`pong` frames are not recorded). */
export interface ReceivedMessage {
  /** Connection id, 1, 2, 3… in order of acceptance. */
  client: number;
  /** A string for a text frame, a Buffer for a binary frame. */
  data: string | Buffer;
  binary: boolean;
  /** `Date.now()` when the frame was read. */
  at: number;
}

/** What `GET /control/state` answers. */
export interface ServerState {
  clients: number;
  connections: number;
  rejected: number;
  frozen: boolean;
  mode: ServerMode;
  delay: number;
  /** Number of recorded user frames. */
  received: number;
  /** Upgrade requests held unanswered by `freeze()`. */
  held: number;
  /** Acknowledged delivery only: messages handed to the application, and duplicates dropped. */
  delivered?: number;
  duplicates?: number;
}

/** The events on `server.events`. */
export interface ServerEvents {
  connection: [{ client: number }];
  message: [ReceivedMessage];
  /** `code` is what the close handshake carried; 1006 when the TCP socket just went away. */
  disconnect: [{ client: number; code: number }];
  /** The number of upgrade requests held by `freeze()` changed (one arrived, or its client gave up). */
  held: [{ pending: number }];
  /** An upgrade was refused by `rejectNext()`. */
  rejected: [{ status: number }];
  /** `restart()` closed the listener and every socket (new connections are refused from the call on). */
  down: [];
  /** `restart()` listens again. */
  up: [{ port: number }];
  /** `onMessage` threw; the client was closed with 1011. */
  hookError: [{ client: number; error: unknown }];
}

export interface TestServer {
  /** `ws://127.0.0.1:PORT/ws` (or `wss://`); upgrades are accepted on any path. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (or `https://`), no trailing slash. */
  readonly httpUrl: string;
  readonly port: number;
  /** Currently open connections. */
  readonly clients: number;
  /** Upgrades accepted since start (or the last `reset()`). */
  readonly connections: number;
  /** Upgrades refused by `rejectNext()` since start (or the last `reset()`). */
  readonly rejected: number;
  /** Text `"ping"` frames received from clients. */
  readonly pings: number;
  /** Text `"pong"` frames received from clients. */
  readonly pongs: number;
  readonly mode: ServerMode;
  readonly frozen: boolean;
  /** Current outgoing delay in ms. */
  readonly delayMs: number;
  /**
   * With `delivery: "at-least-once"`: the protocol's state (`@lifeline/server`
   * with a memory store) and the record of what the application received
   * (exactly once, in order); else undefined.
   */
  readonly delivery: Delivery | undefined;
  /** Every user frame in order of arrival; cleared in place by `reset()`. */
  readonly received: readonly ReceivedMessage[];
  /** The text frames of `received`. */
  texts(): string[];
  /** Clear `received` and the counters (connection ids keep counting up). */
  reset(): void;
  state(): ServerState;

  /** Send to every open client: text for a string, binary for bytes. */
  broadcast(data: OutgoingData): void;
  setMode(mode: ServerMode): void;

  /** Close every client with a close frame. Frames still held by `delay`/`freeze` are dropped. */
  dropAll(code?: number, reason?: string): void;
  /** Destroy every client's TCP socket: no close frame, the client sees 1006. */
  terminateAll(): void;
  /**
   * A half-open line: stop reading existing sockets and write nothing to them;
   * hold new upgrade requests unanswered. Control/static HTTP keeps working.
   */
  freeze(): void;
  /** Resume reading, deliver what was held, answer held upgrades whose socket is still alive. */
  thaw(): void;
  /** Answer the next `n` upgrades with HTTP `status` instead of 101 (`n = 0` cancels). */
  rejectNext(n: number, status?: number): void;
  /** Terminate all clients, close the listener, wait, listen again on the same port. */
  restart(downForMs: number): Promise<void>;
  /** Delay every outgoing frame by `ms`, order preserved; 0 turns it off. */
  delay(ms: number): void;

  /** Resolves once `clients >= n`. */
  waitForClients(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `connections >= total`. */
  waitForConnections(total: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `received.length >= count`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  readonly events: EventEmitter<ServerEvents>;

  /** Terminate everything, close the listener, clear every timer. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
