// Opening and letting go of the one socket a client has at a time.
import { LifelineError, describe } from "./errors.js";
import type { Extension, ResolvedOptions, WebSocketLike } from "./types.js";
import { redactIn, redactUrl } from "./url.js";

/** The socket events a client listens to, all through one listener function. */
export type SocketEvent = { type: string; target?: unknown; data?: unknown; code?: number; reason?: string; wasClean?: boolean };
export type SocketListener = (event: SocketEvent) => void;

/**
 * The socket for an attempt: a feature's (a relay to another tab) or a new
 * `options.WebSocket`. A constructor that throws gives `URL_ERROR`; its
 * message may quote the URL (browsers do), so it is passed on without the
 * secrets, and kept as the cause only when it quotes none.
 */
export function dial(href: string, { WebSocket, protocols }: ResolvedOptions, features: Extension[]): WebSocketLike {
  try {
    let supplied: WebSocketLike | undefined;
    for (const x of features) supplied ??= x.socket?.(href, protocols);
    return supplied ?? new WebSocket(href, protocols);
  } catch (cause) {
    const said = redactIn(describe(cause), href);
    throw new LifelineError("URL_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `cannot open a WebSocket to ${redactUrl(href)}: ${said}` : said, said === describe(cause) ? { cause } : undefined);
  }
}

/**
 * Stops listening and closes; never waits for the socket's `close` (a
 * half-open peer may never send one).
 */
export function releaseSocket(ws: WebSocketLike, listener: SocketListener, code: number, reason: string): void {
  for (const type of ["open", "close", "error", "message"]) ws.removeEventListener(type, listener);
  try {
    ws.close(code, reason);
  } catch {
    // closing a socket that is already gone may throw in some runtimes; it is gone either way
  }
  letGo(ws);
}

/**
 * Node's WebSocket (undici) waits for the peer's close frame with no time
 * limit, and its TCP socket holds the process open meanwhile: after close()
 * on a half-open line the process would never exit. Unref that socket (found
 * by duck typing; the close frame is already written) so a socket we let go
 * never holds the process. Elsewhere nothing matches and this does nothing.
 */
function letGo(ws: object): void {
  try {
    for (const key of Object.getOwnPropertySymbols(ws)) {
      const transport = (ws as Record<symbol, { socket?: { unref?: unknown } } | null | undefined>)[key]?.socket;
      if (typeof transport?.unref === "function") (transport.unref as () => void)();
    }
  } catch {
    // a runtime's internals are not ours: never let this break a close
  }
}

/** A close code as lifeline reports it: Deno says 0 for a refused handshake; anything outside 1000–4999 is 1006. */
export function closeCode(code: unknown): number {
  return typeof code === "number" && code >= 1000 && code <= 4999 ? code : 1006;
}

/** A binary frame as `ArrayBuffer` (Bun hands out Node Buffers); text stays text. A Blob is left for the caller to read. */
export function frameData(data: unknown): unknown {
  return ArrayBuffer.isView(data) ? (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer) : data;
}

