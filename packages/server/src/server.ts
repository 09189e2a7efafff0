// createLifelineServer(): one node of a lifeline deployment. It keeps the
// connections of this process, routes the store's events to them, and is
// the entry for sending to a session. Runtime-neutral: adapters (adapters/)
// turn a runtime's socket into a Transport.
import { acceptNodeWebSocket } from "./adapters/ws.js";
import type { NodeWebSocket } from "./adapters/ws.js";
import { CLOSE } from "./close-codes.js";
import { Connection } from "./connection.js";
import type { ConnectOptions, Hub, ProtocolConnection, Transport } from "./connection.js";
import { messageBody } from "./frames.js";
import { resolveOptions } from "./options.js";
import type { ErrorContext, LifelineServerOptions, MessageContext, ResolvedOptions, SendResult } from "./options.js";
import type { Store, StoreEvent } from "./store.js";
import { TopicHub } from "./topics/hub.js";
import type { PublishResult } from "./topics/hub.js";

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
   * Serves one Node `ws` WebSocket (from `wss.on("connection")`). Binary
   * frames close it with 1003; see docs/protocol.md for every close code.
   */
  accept(ws: NodeWebSocket): ProtocolConnection;
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
   */
  send(session: string, data: unknown): Promise<SendResult>;
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

class Server implements LifelineServer, Hub {
  readonly #o: ResolvedOptions;
  readonly ready: Promise<void>;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #connections = new Set<Connection>();
  readonly #bySession = new Map<string, Connection>();
  #delivered = 0;
  #duplicates = 0;
  #resets = 0;
  #closing: Promise<void> | undefined;
  readonly topics: TopicHub;

  constructor(options: ResolvedOptions) {
    this.#o = options;
    this.topics = new TopicHub(options.store.topics, options.topics, (error, session) =>
      this.onError(error, { source: "canSubscribe", ...(session !== undefined && { session }) }),
    );
    this.ready = options.store.subscribe(options.node, (event) => this.#route(event)).then((off) => {
      this.#unsubscribe = off;
    });
    // a store that cannot subscribe fails every hello (reported there), not the process
    this.ready.catch(() => {});
  }

  get store(): Store {
    return this.#o.store;
  }
  get node(): string {
    return this.#o.node;
  }
  get maxPayload(): number {
    return this.#o.maxPayload;
  }

  onMessage(context: MessageContext, data: unknown): void | Promise<void> {
    return this.#o.onMessage(context, data);
  }

  onError(error: unknown, context: ErrorContext): void {
    this.#o.onError(error, context);
  }

  accept(ws: NodeWebSocket): ProtocolConnection {
    return acceptNodeWebSocket(this, ws);
  }

  connect(transport: Transport, options?: ConnectOptions): ProtocolConnection {
    const conn = new Connection(this, transport, options);
    if (this.#closing) void conn.close(CLOSE.GOING_AWAY, "server closing");
    else this.#connections.add(conn);
    return conn;
  }

  async send(session: string, data: unknown): Promise<SendResult> {
    if (typeof session !== "string" || session === "") throw new TypeError(`session must be a non-empty string, got ${String(session)}`);
    return this.sendBody(session, messageBody(data));
  }

  async sendBody(session: string, body: string): Promise<SendResult> {
    if (this.#closing) return { ok: false, reason: "closed" };
    const result = await this.#o.store.append(session, body);
    if (result.status === "stored") return { ok: true, seq: result.seq };
    return { ok: false, reason: result.status === "absent" ? "unknown-session" : "overflow" };
  }

  async publish(topic: string, data: unknown): Promise<PublishResult> {
    if (this.#closing) return { ok: false, reason: "closed" };
    return this.topics.publish(topic, data);
  }

  shed(n: number, retryAfterMs: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`shed n must be an integer >= 0, got ${String(n)}`);
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
      throw new RangeError(`shed retryAfterMs must be a number of ms >= 0, got ${String(retryAfterMs)}`);
    }
    const reason = JSON.stringify({ retryAfter: Math.round(retryAfterMs) });
    let closed = 0;
    for (const conn of [...this.#connections]) {
      if (closed === n) break;
      void conn.close(CLOSE.TRY_AGAIN_LATER, reason);
      this.#connections.delete(conn);
      closed++;
    }
    return closed;
  }

  stats(): ServerStats {
    return {
      connections: this.#connections.size,
      sessions: this.#bySession.size,
      delivered: this.#delivered,
      duplicates: this.#duplicates,
      resets: this.#resets,
      topics: this.topics.topics,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const conns = [...this.#connections];
    await Promise.all(conns.map((conn) => conn.close(CLOSE.GOING_AWAY, "server closing")));
    await this.ready.catch(() => {});
    await this.topics.close();
    await this.#unsubscribe?.();
    if (this.#o.ownsStore) await this.#o.store.close();
  }

  // ---- Hub ------------------------------------------------------------------

  claim(session: string, conn: Connection): Connection | undefined {
    const previous = this.#bySession.get(session);
    this.#bySession.set(session, conn);
    return previous === conn ? undefined : previous;
  }

  unbind(conn: Connection, session: string | undefined): void {
    if (session !== undefined && this.#bySession.get(session) === conn) this.#bySession.delete(session);
  }

  ended(conn: Connection): void {
    this.#connections.delete(conn);
  }

  count(what: "delivered" | "duplicates" | "resets"): void {
    if (what === "delivered") this.#delivered++;
    else if (what === "duplicates") this.#duplicates++;
    else this.#resets++;
  }

  #route(event: StoreEvent): void {
    const conn = this.#bySession.get(event.session);
    if (!conn) return;
    conn.notify(event);
  }
}

/**
 * Creates one node of a lifeline server: the server half of acknowledged
 * delivery (docs/protocol.md), both directions, over a store.
 *
 * @example
 * import { WebSocketServer } from "ws";
 * import { createLifelineServer } from "@lifeline/server";
 *
 * const lifeline = createLifelineServer({
 *   async onMessage({ session, seq }, data) {
 *     await db.save(session, seq, data); // acknowledged once this settles
 *   },
 * });
 * new WebSocketServer({ port: 8080, maxPayload: 1_048_576 }).on("connection", (ws) => lifeline.accept(ws));
 * await lifeline.send(session, { type: "notice" });
 */
export function createLifelineServer(options: LifelineServerOptions = {}): LifelineServer {
  return new Server(resolveOptions(options));
}
