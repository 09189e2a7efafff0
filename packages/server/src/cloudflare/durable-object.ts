// The Cloudflare Durable Object adapter: hibernatable WebSockets
// (`ctx.acceptWebSocket`), the heartbeat answered by the runtime
// (`setWebSocketAutoResponse`, so a ping never wakes the object), sessions in
// the object's storage. A socket that outlives the object's memory carries its
// session and fence as its attachment, and its connection resumes on wake.
import { CLOSE } from "../close-codes.js";
import type { ProtocolConnection } from "../transport.js";
import type { ErrorContext, Limits, MessageContext, SessionContext } from "../options.js";
import { createLifelineServer } from "../server.js";
import type { LifelineServer } from "../api.js";
import type { Fence } from "../store.js";
import { durableObjectStore } from "./storage-store.js";
import type { DurableObjectStorageLike, DurableObjectStore, DurableObjectStoreOptions } from "./storage-store.js";

/** The part of a hibernatable server-side WebSocket the adapter uses. */
export interface HibernatableWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

/** The part of `DurableObjectState` (the object's `ctx`) the adapter uses. */
export interface DurableObjectStateLike {
  readonly storage: DurableObjectStorageLike;
  acceptWebSocket(ws: HibernatableWebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): HibernatableWebSocket[];
  setWebSocketAutoResponse(pair?: unknown): void;
}

/** Options of {@link durableObjectLifeline}. */
export interface DurableObjectLifelineOptions extends DurableObjectStoreOptions {
  /** As `createLifelineServer`'s: once per client message, in order; acknowledged when it settles. */
  onMessage?: (context: MessageContext, data: unknown) => void | Promise<void>;
  /** As `createLifelineServer`'s. @default console.error */
  onError?: (error: unknown, context: ErrorContext) => void;
  /** As `createLifelineServer`'s. @default 1_048_576 */
  maxPayload?: number;
  /** As `createLifelineServer`'s (called again for each socket after the object woke up). */
  onConnect?: (context: SessionContext & { readonly resumed: boolean }) => void | Promise<void>;
  /** As `createLifelineServer`'s. */
  onDisconnect?: (context: SessionContext) => void | Promise<void>;
  /** As `createLifelineServer`'s; `bufferedBytes` has no effect (workerd's sockets do not report what they buffer). */
  limits?: Limits;
}

/** What the object's class delegates to: its WebSocket handlers, its alarm, and the server. */
export interface DurableObjectLifeline {
  /** The lifeline server of this object: `send(session, data)`, `stats()`… */
  readonly server: LifelineServer;
  readonly store: DurableObjectStore;
  /**
   * Answers a WebSocket upgrade request with a hibernatable socket served by
   * lifeline (status 101), for `user` when given: authenticate the request
   * in the object's (or the Worker's) `fetch` first. The user is kept with the
   * socket, so it survives hibernation.
   */
  upgrade(options?: { user?: string }): unknown;
  /** Call from the object's `webSocketMessage(ws, message)`. */
  webSocketMessage(ws: HibernatableWebSocket, message: string | ArrayBuffer): void;
  /** Call from the object's `webSocketClose(ws, code, reason)` and `webSocketError(ws)`. */
  webSocketClose(ws: HibernatableWebSocket): void;
  /** Call from the object's `alarm()`: expires sessions. */
  alarm(): Promise<void>;
}

interface Attachment {
  lifeline: { user?: string; session?: string; fence?: Fence };
}

interface Workerd {
  WebSocketPair: new () => Record<0 | 1, HibernatableWebSocket>;
  WebSocketRequestResponsePair: new (request: string, response: string) => unknown;
  Response: new (body: null, init: { status: number; webSocket: unknown }) => unknown;
}

const CLOSED = 3;

/**
 * Serves lifeline from a Durable Object. Build it in the object's
 * constructor and delegate the handlers to it.
 *
 * @example
 * import { DurableObject } from "cloudflare:workers";
 * import { durableObjectLifeline } from "@lifeline/server/cloudflare";
 *
 * export class Chat extends DurableObject {
 *   lifeline = durableObjectLifeline(this.ctx, { onMessage: ({ session, seq }, data) => this.save(session, seq, data) });
 *   async fetch(request) {
 *     const user = await authenticate(request); // your auth: a cookie, a token in the url
 *     if (user === undefined) return new Response("unauthorized", { status: 401 });
 *     return this.lifeline.upgrade({ user });
 *   }
 *   webSocketMessage(ws, message) { this.lifeline.webSocketMessage(ws, message); }
 *   webSocketClose(ws) { this.lifeline.webSocketClose(ws); }
 *   webSocketError(ws) { this.lifeline.webSocketClose(ws); }
 *   alarm() { return this.lifeline.alarm(); }
 * }
 */
export function durableObjectLifeline(ctx: DurableObjectStateLike, options: DurableObjectLifelineOptions = {}): DurableObjectLifeline {
  const runtime = globalThis as unknown as Workerd;
  const store = durableObjectStore(ctx.storage, options);
  const server = createLifelineServer({
    store,
    node: "durable-object",
    ...(options.onMessage && { onMessage: options.onMessage }),
    ...(options.onError && { onError: options.onError }),
    ...(options.maxPayload !== undefined && { maxPayload: options.maxPayload }),
    ...(options.onConnect && { onConnect: options.onConnect }),
    ...(options.onDisconnect && { onDisconnect: options.onDisconnect }),
    ...(options.limits && { limits: options.limits }),
  });
  // the runtime answers the client's heartbeat itself: a ping never wakes a hibernating object
  ctx.setWebSocketAutoResponse(new runtime.WebSocketRequestResponsePair("ping", "pong"));
  const connections = new WeakMap<HibernatableWebSocket, ProtocolConnection>();

  /** The socket's connection; after a wake, a new one resumed from the socket's attachment. */
  const connectionOf = (ws: HibernatableWebSocket): ProtocolConnection => {
    const known = connections.get(ws);
    if (known) return known;
    const saved = (ws.deserializeAttachment() as Partial<Attachment> | null)?.lifeline;
    const user = saved?.user;
    const conn = server.connect(
      {
        send: (text) => {
          if (ws.readyState === 1) ws.send(text);
        },
        close: (code, reason) => ws.close(code, reason),
      },
      {
        ...(user !== undefined && { user }),
        bound: (session, fence) => ws.serializeAttachment({ lifeline: { ...(user !== undefined && { user }), session, fence } } satisfies Attachment),
      },
    );
    connections.set(ws, conn);
    if (saved?.session !== undefined && saved.fence !== undefined) conn.resume(saved.session, saved.fence);
    return conn;
  };

  return {
    server,
    store,
    upgrade(upgradeOptions) {
      const user = upgradeOptions?.user;
      if (user !== undefined && (typeof user !== "string" || user === "")) throw new TypeError(`user must be a non-empty string, got ${String(user)}`);
      const pair = new runtime.WebSocketPair();
      ctx.acceptWebSocket(pair[1]);
      // before any hello: an object that hibernates right away still knows whose socket it is
      if (user !== undefined) pair[1].serializeAttachment({ lifeline: { user } } satisfies Attachment);
      connectionOf(pair[1]);
      return new runtime.Response(null, { status: 101, webSocket: pair[0] });
    },
    webSocketMessage(ws, message) {
      const conn = connectionOf(ws);
      if (typeof message === "string") return conn.receive(message);
      ws.close(CLOSE.UNSUPPORTED_DATA, "binary frames are not part of the protocol");
      conn.end();
    },
    webSocketClose(ws) {
      connectionOf(ws).end();
      connections.delete(ws);
      // complete the closing handshake (runtimes without automatic close replies)
      if (ws.readyState !== CLOSED) {
        try {
          ws.close(1000, "closed");
        } catch {
          // already closing
        }
      }
    },
    alarm: () => store.sweep(),
  };
}
