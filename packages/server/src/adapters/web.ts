// The WHATWG adapter: a server-side WebSocket with the web API
// (addEventListener, send, close, readyState), as Deno's
// `Deno.upgradeWebSocket` and workerd's `WebSocketPair` hand out, becomes a
// Transport for the core. Typed structurally: no DOM or Deno types needed.
import { CLOSE } from "../close-codes.js";
import type { ConnectOptions, ProtocolConnection } from "../transport.js";
import { pollDrained } from "./drain.js";
import type { Connector } from "./ws.js";

/** The part of a WHATWG WebSocket the adapter uses. */
export interface WebSocketLike {
  readonly readyState: number;
  /** Bytes queued and not yet sent (Deno has it; workerd's sockets do not). */
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: "close", listener: () => void): void;
}

const OPEN = 1;

/**
 * Serves one WHATWG server-side WebSocket with the lifeline protocol, for
 * `options.user` when given (authenticate the upgrade request first).
 * Binary frames close it with 1003. Where the socket has `bufferedAmount`,
 * a congested connection is looked at every 10 ms until it drained.
 *
 * @example
 * // Deno
 * import { createLifelineServer } from "@lifeline/server";
 * import { acceptWebSocket } from "@lifeline/server/deno";
 *
 * const lifeline = createLifelineServer({ onMessage: ({ session, seq }, data) => save(session, seq, data) });
 * Deno.serve({ port: 8080 }, async (request) => {
 *   if (request.headers.get("upgrade") !== "websocket") return new Response("upgrade required", { status: 426 });
 *   const user = await authenticate(request); // your auth: a cookie, a token in the url
 *   if (user === undefined) return new Response("unauthorized", { status: 401 });
 *   const { socket, response } = Deno.upgradeWebSocket(request);
 *   acceptWebSocket(lifeline, socket, { user });
 *   return response;
 * });
 */
export function acceptWebSocket(server: Connector, socket: WebSocketLike, options?: ConnectOptions): ProtocolConnection {
  const conn = server.connect(
    {
      send: (text) => {
        if (socket.readyState === OPEN) socket.send(text);
      },
      close: (code, reason) => socket.close(code, reason),
      ...(typeof socket.bufferedAmount === "number" && {
        buffered: () => socket.bufferedAmount as number,
        whenDrained: (resume: () => void) => void pollDrained(() => socket.readyState !== OPEN || socket.bufferedAmount === 0, resume),
      }),
    },
    options,
  );
  socket.addEventListener("message", ({ data }) => {
    if (typeof data === "string") return conn.receive(data);
    socket.close(CLOSE.UNSUPPORTED_DATA, "binary frames are not part of the protocol");
    conn.end();
  });
  socket.addEventListener("close", () => conn.end());
  return conn;
}
