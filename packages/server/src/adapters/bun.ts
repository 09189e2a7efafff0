// The Bun adapter: the `websocket` handlers of `Bun.serve`, each socket
// served by the core. Typed structurally: no Bun types needed.
import { CLOSE } from "../close-codes.js";
import type { ProtocolConnection } from "../transport.js";
import { pollDrained } from "./drain.js";
import type { Connector } from "./ws.js";

/** The part of Bun's `ServerWebSocket` the adapter uses. */
export interface BunSocket {
  readonly readyState: number;
  /** What `server.upgrade(request, { data })` was given: lifeline reads `data.user`. */
  readonly data?: unknown;
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
  /** Bytes queued and not yet sent. */
  getBufferedAmount?(): number;
}

/** What `Bun.serve({ websocket })` takes (the handlers lifeline needs). */
export interface BunWebSocketHandlers {
  open(ws: BunSocket): void;
  message(ws: BunSocket, message: string | ArrayBuffer | ArrayBufferView): void;
  /** Bun calls it when a socket that was backpressured can take more. */
  drain(ws: BunSocket): void;
  close(ws: BunSocket, code: number, reason: string): void;
}

const OPEN = 1;

/**
 * The `websocket` handlers for `Bun.serve`: every upgraded socket speaks the
 * lifeline protocol with `server`, for the user given to
 * `server.upgrade(request, { data: { user } })` (authenticate the request
 * first; no `data.user`: anonymous). A congested socket is written to again
 * from Bun's `drain`. Binary frames close it with 1003.
 *
 * @example
 * import { createLifelineServer } from "@lifeline/server";
 * import { bunWebSocket } from "@lifeline/server/bun";
 *
 * const lifeline = createLifelineServer({ onMessage: ({ session, seq }, data) => save(session, seq, data) });
 * Bun.serve({
 *   port: 8080,
 *   async fetch(request, server) {
 *     const user = await authenticate(request); // your auth: a cookie, a token in the url
 *     if (user === undefined) return new Response("unauthorized", { status: 401 });
 *     return server.upgrade(request, { data: { user } }) ? undefined : new Response("upgrade required", { status: 426 });
 *   },
 *   websocket: bunWebSocket(lifeline),
 * });
 */
export function bunWebSocket(server: Connector): BunWebSocketHandlers {
  // Bun hands the same ServerWebSocket object to every handler of one connection
  const connections = new WeakMap<BunSocket, ProtocolConnection>();
  const drained = new WeakMap<BunSocket, () => void>();
  return {
    open(ws) {
      const user = (ws.data as { user?: unknown } | undefined)?.user;
      connections.set(
        ws,
        server.connect(
          {
            send: (text) => {
              if (ws.readyState === OPEN) ws.send(text);
            },
            close: (code, reason) => ws.close(code, reason),
            ...(typeof ws.getBufferedAmount === "function" && {
              buffered: () => ws.getBufferedAmount?.() ?? 0,
              // Bun's drain may not come for a socket below its own backpressure limit: polled as well
              whenDrained: (resume: () => void) =>
                void drained.set(ws, pollDrained(() => ws.readyState !== OPEN || ws.getBufferedAmount?.() === 0, resume)),
            }),
          },
          user === undefined ? undefined : { user: user as string },
        ),
      );
    },
    drain(ws) {
      const resume = drained.get(ws);
      drained.delete(ws);
      resume?.();
    },
    message(ws, message) {
      const conn = connections.get(ws);
      if (!conn) return;
      if (typeof message === "string") return conn.receive(message);
      ws.close(CLOSE.UNSUPPORTED_DATA, "binary frames are not part of the protocol");
      conn.end();
    },
    close(ws) {
      connections.get(ws)?.end();
      connections.delete(ws);
      drained.delete(ws);
    },
  };
}
