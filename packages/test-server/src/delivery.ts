// The acknowledged-delivery end of the test server: `@lifeline/server` with a
// memory store (the one implementation of the protocol in the repo), plus a
// record of what the application received, for assertions. `connection()`
// wires any sender, so tests and the bench can put it behind any socket.
import { createLifelineServer, memoryStore } from "@lifeline/server";
import type { LifelineServer, LifelineServerOptions, MemoryStore, ProtocolConnection } from "@lifeline/server";

/** One message the application received, with where it came from. */
export interface DeliveredMessage {
  readonly session: string;
  readonly seq: number;
  readonly data: unknown;
  /** Set for `request()` messages (`t: "req"`): the id a reply must carry as `re`. */
  readonly id?: string;
}

export interface DeliveryOptions {
  /**
   * Called once per message, in the order the client sent them, never for a
   * duplicate. `reply(data)` sends to the message's session as a stored,
   * numbered server message (`{ t: "msg", seq, re: id, data }` for a request,
   * `{ t: "msg", seq, data }` otherwise), replayed after a reconnect.
   */
  onMessage?: (message: DeliveredMessage, reply: (data: unknown) => void) => void;
  /** Keep at most this many messages in `delivered` (oldest dropped first). @default Infinity */
  recordLimit?: number;
  /** The store's limits (@lifeline/server's `memoryStore()` options). @default its defaults */
  sessionTtl?: number;
  replayMax?: number;
  /** Topics: @lifeline/server's `topics` and `canSubscribe` options. @default its defaults */
  topics?: Pick<LifelineServerOptions, "topics" | "canSubscribe">;
}

export interface DeliveryConnection {
  /** Handles one text frame; false when it is not protocol v2 (the caller may treat it otherwise). */
  handle(text: string): boolean;
  /** The session this connection speaks for, once its hello was accepted. */
  readonly session: string | undefined;
  /** Sends an application message to this connection's session (stored, numbered, replayed). */
  send(data: unknown): void;
  /** Call when the socket closes. */
  close(): void;
}

export interface Delivery {
  /**
   * Wires one connection. `send` writes a text frame to its socket; `close`
   * closes it (used for a session taken over, a bad frame is left to the caller).
   */
  connection(send: (text: string) => void, close?: (code: number, reason: string) => void): DeliveryConnection;
  /** Every message handed to the application, in order of arrival. */
  readonly delivered: DeliveredMessage[];
  /** Messages received again (a resend after a lost ack) and dropped. */
  readonly duplicates: number;
  /** Highest sequence number handled per session. */
  readonly sessions: ReadonlyMap<string, number>;
  /** The protocol server: `send(session, data)` to push server → client messages. */
  readonly server: LifelineServer;
  /** Its store; `reset()` clears it, as a restarted process would lose it. */
  readonly store: MemoryStore;
  /** Forgets sessions (the store too: their clients get `reset` on return) and the record. */
  reset(): void;
}

/** ws's own default, so the test server refuses no frame a plain `ws` server would take. */
const MAX_PAYLOAD = 100 * 1024 * 1024;

/**
 * Creates the server side of acknowledged delivery (docs/protocol.md) over
 * `@lifeline/server`, recording what the application received.
 *
 * @example
 * const delivery = createDelivery({ onMessage: (msg, reply) => reply({ ok: true }) });
 * wss.on("connection", (ws) => {
 *   const conn = delivery.connection((text) => ws.send(text), (code, reason) => ws.close(code, reason));
 *   ws.on("message", (data, binary) => {
 *     if (data.toString() === "ping") return ws.send("pong");
 *     if (!binary) conn.handle(data.toString());
 *   });
 *   ws.on("close", () => conn.close());
 * });
 */
export function createDelivery(options: DeliveryOptions = {}): Delivery {
  const delivered: DeliveredMessage[] = [];
  const sessions = new Map<string, number>();
  const limit = options.recordLimit ?? Infinity;
  const store = memoryStore({
    ...(options.sessionTtl !== undefined && { sessionTtl: options.sessionTtl }),
    ...(options.replayMax !== undefined && { replay: { max: options.replayMax } }),
  });
  let duplicatesBefore = 0;
  const server = createLifelineServer({
    ...options.topics,
    store,
    maxPayload: MAX_PAYLOAD,
    onMessage({ session, seq, id, reply }, data) {
      const message: DeliveredMessage = { session, seq, data, ...(id !== undefined && { id }) };
      sessions.set(session, seq);
      delivered.push(message);
      if (delivered.length > limit) delivered.shift();
      options.onMessage?.(message, (out) => void reply(out));
    },
  });

  return {
    delivered,
    sessions,
    server,
    store,
    get duplicates() {
      return server.stats().duplicates - duplicatesBefore;
    },
    reset() {
      store.clear();
      sessions.clear();
      delivered.length = 0;
      duplicatesBefore = server.stats().duplicates;
    },
    connection(send, close = () => {}) {
      let foreign = false;
      const conn: ProtocolConnection = server.connect(
        { send, close },
        {
          foreign: () => {
            foreign = true;
            return true;
          },
        },
      );
      return {
        get session() {
          return conn.session;
        },
        send(data) {
          if (conn.session !== undefined) void server.send(conn.session, data);
        },
        close() {
          conn.end();
        },
        handle(text) {
          foreign = false;
          conn.receive(text);
          return !foreign;
        },
      };
    },
  };
}
