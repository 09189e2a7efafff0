// The public shape of a lifeline server node: what createLifelineServer()
// returns (server.ts builds it) and its counters. Types only.
import type { NodeWebSocket } from "./adapters/ws.js";
import type { ConnectOptions, ProtocolConnection, Transport } from "./transport.js";
import type { SendOptions, SendResult, SendToUserResult } from "./options.js";
import type { PublishResult } from "./topics/hub.js";
import type { Store } from "./store.js";

/** Counters since the server was created. */
export interface ServerStats {
  /** Open connections (greeted or not). */
  readonly connections: number;
  /** Sessions with a connection on this node. */
  readonly sessions: number;
  /** Client messages handed to `onMessage`. */
  readonly delivered: number;
  /** Client messages received again and dropped. */
  readonly duplicates: number;
  /** `reset` frames sent. */
  readonly resets: number;
  /** Topics with a subscriber on this node (each heard once from the store, whatever its subscribers). */
  readonly topics: number;
}

export interface LifelineServer {
  /**
   * Serves one Node `ws` WebSocket (from `wss.on("connection")`), for `user`
   * when given: authenticate the upgrade first (docs/auth.md). Binary frames
   * close it with 1003; see docs/protocol.md for every close code.
   */
  accept(ws: NodeWebSocket, options?: { user?: string }): ProtocolConnection;
  /**
   * Serves a connection of any runtime: the adapter writes frames with
   * `transport`, and feeds the returned connection each text frame and the
   * end of the socket.
   */
  connect(transport: Transport, options?: ConnectOptions): ProtocolConnection;
  /**
   * Stores `data` for `session` (next server seq) and writes it to the
   * session's connection, on this node or another one sharing the store;
   * a client that is away gets it replayed after its next `hello`.
   * Rejects with a TypeError for data without a JSON form (undefined, a function, a cycle).
   * `options.waitForRoom`: wait for a connected client to make room instead of overflowing it.
   */
  send(session: string, data: unknown, options?: SendOptions): Promise<SendResult>;
  /**
   * Stores `data` for every live session of `user` (connected or away, on
   * any node sharing the store), each delivered once with the usual replay.
   * A session whose replay buffer is full is reset (as by `send`) and not
   * counted; with `options.waitForRoom`, one still full after the wait is
   * not counted either (and not reset). Rejects with a TypeError for an
   * empty user or data without a JSON form.
   */
  sendToUser(user: string, data: unknown, options?: SendOptions): Promise<SendToUserResult>;
  /** The live session ids of `user`, fleet-wide, least recently active first. */
  sessionsOf(user: string): Promise<readonly string[]>;
  /**
   * Server-advised backoff: closes up to `n` connections with 1013 and the
   * reason `{"retryAfter":ms}`; lifeline's client waits at least that long
   * (plus jitter) before reconnecting. Returns how many were closed.
   */
  shed(n: number, retryAfterMs: number): number;
  /**
   * Publishes `data` to `topic`, from any node: stored once in the topic's
   * history (the next offset), then written to every subscriber on every
   * node sharing the store, in offset order; a subscriber that was away
   * gets it when it resubscribes, while the history still holds it.
   * Rejects with a TypeError for a bad topic or data without a JSON form,
   * and when the store keeps no topic history.
   */
  publish(topic: string, data: unknown): Promise<PublishResult>;
  /** The store this server uses. */
  readonly store: Store;
  /** This node's id in the store. */
  readonly node: string;
  stats(): ServerStats;
  /**
   * Closes every connection with 1001, waits for their handlers to settle,
   * and closes the store when it is the default one. Idempotent.
   */
  close(): Promise<void>;
}
