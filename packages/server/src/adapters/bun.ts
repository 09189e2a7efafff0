// The Bun adapter: the `websocket` handlers of `Bun.serve`, each socket
// served by the core. Typed structurally: no Bun types needed.
import { CLOSE } from "../close-codes.js";
import type { ProtocolConnection } from "../connection.js";
import type { Connector } from "./ws.js";

/** The part of Bun's `ServerWebSocket` the adapter uses. */
export interface BunSocket {
  readonly readyState: number;
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
}

/** What `Bun.serve({ websocket })` takes (the handlers lifeline needs). */
export interface BunWebSocketHandlers {
  open(ws: BunSocket): void;
  message(ws: BunSocket, message: string | ArrayBuffer | ArrayBufferView): void;
  close(ws: BunSocket, code: number, reason: string): void;
}

const OPEN = 1;

/**
 * The `websocket` handlers for `Bun.serve`: every upgraded socket speaks the
 * lifeline protocol with `server`. Binary frames close it with 1003.
 *
 * @example
 * import { createLifelineServer } from "@lifeline/server";
 * import { bunWebSocket } from "@lifeline/server/bun";
 *
 * const lifeline = createLifelineServer({ onMessage: ({ session, seq }, data) => save(session, seq, data) });
 * Bun.serve({
 *   port: 8080,
 *   fetch: (request, server) => (server.upgrade(request) ? undefined : new Response("upgrade required", { status: 426 })),
 *   websocket: bunWebSocket(lifeline),
 * });
 */
export function bunWebSocket(server: Connector): BunWebSocketHandlers {
  // Bun hands the same ServerWebSocket object to every handler of one connection
  const connections = new WeakMap<BunSocket, ProtocolConnection>();
  return {
    open(ws) {
      connections.set(
        ws,
        server.connect({
          send: (text) => {
            if (ws.readyState === OPEN) ws.send(text);
          },
          close: (code, reason) => ws.close(code, reason),
        }),
      );
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
    },
  };
}
