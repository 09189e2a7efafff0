// createLifelineServer(): one node of a lifeline deployment. It keeps the
// connections of this process, routes the store's events to them, and is
// the entry for sending to a session. Runtime-neutral: adapters (adapters/)
// turn a runtime's socket into a Transport.
import { acceptNodeWebSocket } from "./adapters/ws.js";
import type { NodeWebSocket } from "./adapters/ws.js";
import { CLOSE } from "./close-codes.js";
import { Connection } from "./connection.js";
import type { ConnectOptions, Hub, ProtocolConnection, Transport } from "./transport.js";
import { messageBody } from "./frames.js";
import { resolveOptions } from "./options.js";
import type {
  ErrorContext,
  LifelineServerOptions,
  MessageContext,
  ResolvedOptions,
  SendOptions,
  SendResult,
  SendToUserResult,
  SessionContext,
} from "./options.js";
import { RoomWaiters, appendWithRoom } from "./room.js";
import type { Store, StoreEvent } from "./store.js";
import { TopicHub } from "./topics/hub.js";
import type { PublishResult } from "./topics/hub.js";
import type { LifelineServer, ServerStats } from "./api.js";

class Server implements LifelineServer, Hub {
  readonly #o: ResolvedOptions;
  readonly ready: Promise<void>;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #connections = new Set<Connection>();
  readonly #bySession = new Map<string, Connection>();
  readonly #room = new RoomWaiters();
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
  get limits(): ResolvedOptions["limits"] {
    return this.#o.limits;
  }

  onMessage(context: MessageContext, data: unknown): void | Promise<void> {
    return this.#o.onMessage(context, data);
  }

  onError(error: unknown, context: ErrorContext): void {
    this.#o.onError(error, context);
  }

  accept(ws: NodeWebSocket, options?: { user?: string }): ProtocolConnection {
    return acceptNodeWebSocket(this, ws, options);
  }

  connect(transport: Transport, options?: ConnectOptions): ProtocolConnection {
    const user = options?.user;
    if (user !== undefined && (typeof user !== "string" || user === "")) throw new TypeError(`user must be a non-empty string, got ${String(user)}`);
    const conn = new Connection(this, transport, options);
    if (this.#closing) void conn.close(CLOSE.GOING_AWAY, "server closing");
    else this.#connections.add(conn);
    return conn;
  }

  async send(session: string, data: unknown, options?: SendOptions): Promise<SendResult> {
    if (typeof session !== "string" || session === "") throw new TypeError(`session must be a non-empty string, got ${String(session)}`);
    return this.sendBody(session, messageBody(data), waitOf(options));
  }

  async sendBody(session: string, body: string, waitForRoom = 0): Promise<SendResult> {
    if (this.#closing) return { ok: false, reason: "closed" };
    const result = await this.#append(session, body, waitForRoom);
    if (result.status === "stored") return { ok: true, seq: result.seq };
    return { ok: false, reason: result.status === "absent" ? "unknown-session" : result.status };
  }

  async sendToUser(user: string, data: unknown, options?: SendOptions): Promise<SendToUserResult> {
    if (typeof user !== "string" || user === "") throw new TypeError(`user must be a non-empty string, got ${String(user)}`);
    const body = messageBody(data);
    const wait = waitOf(options);
    if (this.#closing) return { ok: false, reason: "closed" };
    const results = await Promise.all((await this.#o.store.sessionsOf(user)).map((session) => this.#append(session, body, wait)));
    return { ok: true, sessions: results.filter((r) => r.status === "stored").length };
  }

  #append(session: string, body: string, waitForRoom: number) {
    return appendWithRoom(this.#o.store, this.#room, session, body, waitForRoom, () => this.#closing !== undefined);
  }

  async sessionsOf(user: string): Promise<readonly string[]> {
    if (typeof user !== "string" || user === "") throw new TypeError(`user must be a non-empty string, got ${String(user)}`);
    return this.#o.store.sessionsOf(user);
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

  claim(session: string, conn: Connection): Connection | undefined | "refused" {
    const previous = this.#bySession.get(session);
    if (previous !== undefined && previous !== conn && previous.user !== conn.user) return "refused";
    this.#bySession.set(session, conn);
    return previous === conn ? undefined : previous;
  }

  connected(context: SessionContext & { readonly resumed: boolean }): void {
    if (this.#o.onConnect) this.#hook("onConnect", context, () => this.#o.onConnect?.(context));
  }

  disconnected(context: SessionContext): void {
    if (this.#o.onDisconnect) this.#hook("onDisconnect", context, () => this.#o.onDisconnect?.(context));
  }

  /** Runs an application hook; what it throws or rejects goes to onError, the connection goes on. */
  #hook(source: "onConnect" | "onDisconnect", { session }: SessionContext, run: () => void | Promise<void>): void {
    const report = (error: unknown) => this.#o.onError(error, { source, session });
    try {
      const result = run();
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }

  unbind(conn: Connection, session: string | undefined): void {
    if (session !== undefined && this.#bySession.get(session) === conn) this.#bySession.delete(session);
  }

  ended(conn: Connection): void {
    this.#connections.delete(conn);
  }

  acknowledged(session: string): void {
    this.#room.wake(session);
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

/** `waitForRoom` of send options, checked. */
function waitOf(options: SendOptions | undefined): number {
  const wait = options?.waitForRoom ?? 0;
  if (typeof wait !== "number" || Number.isNaN(wait) || wait < 0) throw new TypeError(`waitForRoom must be a number of ms >= 0, got ${String(wait)}`);
  return wait;
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
 * new WebSocketServer({ port: 8080, maxPayload: 1_048_576 }).on("connection", async (ws, request) => {
 *   const user = await authenticate(request); // your auth: a cookie, a token in the url
 *   if (user === undefined) return ws.close(4401, "unauthorized");
 *   lifeline.accept(ws, { user });
 * });
 * await lifeline.sendToUser("user-42", { type: "notice" });
 */
export function createLifelineServer(options: LifelineServerOptions = {}): LifelineServer {
  return new Server(resolveOptions(options));
}
