// The socket's side of the client's one listener: its events, letting a
// socket go, and the browser's hints that the line may be back (`online`,
// the page becoming visible), heard by the same listener.
import type { WebSocketLike } from "./types.js";

/** The socket events a client listens to, all through one listener function (called with none by its timer). */
export type SocketEvent = { type: string; target?: unknown; data?: unknown; code?: number; reason?: string; wasClean?: boolean };
export type SocketListener = (event?: SocketEvent) => void;

type Target = { addEventListener?(type: string, fn: SocketListener): void; removeEventListener?(type: string, fn: SocketListener): void };

/** The global object as a browser has it (window, document, navigator); elsewhere those are missing. */
export const browser = globalThis as Target & { document?: Target & { visibilityState?: string }; navigator?: { onLine?: boolean } };

/** Adds (or removes) `listener` for `online` on the window and `visibilitychange` on the document, where they exist. */
export function watch(method: "addEventListener" | "removeEventListener", listener: SocketListener): void {
  browser[method]?.("online", listener);
  browser.document?.[method]?.("visibilitychange", listener);
}

/**
 * Stops listening and closes; never waits for the socket's `close` (a
 * half-open peer may never send one). Node's WebSocket (undici) waits for
 * the peer's close frame with no time limit, and its TCP socket holds the
 * process open meanwhile: after close() on a half-open line the process
 * would never exit. So that socket is unref'd (found by duck typing; the
 * close frame is already written): a socket we let go never holds the
 * process. Elsewhere nothing matches and that part does nothing.
 */
export function releaseSocket(ws: WebSocketLike, listener: SocketListener, code: number, reason: string): void {
  for (const type of ["open", "close", "error", "message"]) ws.removeEventListener(type, listener);
  try {
    ws.close(code, reason);
    for (const key of Object.getOwnPropertySymbols(ws)) {
      const transport = (ws as unknown as Record<symbol, { socket?: { unref?: unknown } } | null | undefined>)[key]?.socket;
      if (typeof transport?.unref === "function") (transport.unref as () => void)();
    }
  } catch {
    // closing a socket that is already gone may throw in some runtimes, and a runtime's internals are not ours:
    // it is gone either way, and this never breaks a close
  }
}
