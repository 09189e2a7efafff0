// The socket's side of the client's one listener: its events, letting a
// socket go, and the browser's hints that the line may be back (`online`,
// the page becoming visible), heard by the same listener.
import { LifelineError, describe } from "./errors.js";
import type { UrlSource, WebSocketLike } from "./types.js";
import { redact } from "./url.js";

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

/** Calls `url` when it is a function, waits for a promise; `then` gets the URL, `fail` what was thrown or rejected. */
export function resolveUrl(url: UrlSource, then: (url: string | URL) => void, fail: (cause: unknown) => void): void {
  let target: string | URL | Promise<string | URL>;
  try {
    target = typeof url === "function" ? url() : url;
  } catch (cause) {
    return fail(cause);
  }
  if (typeof (target as Promise<unknown> | null)?.then === "function") (target as Promise<string | URL>).then(then, fail);
  else then(target as string | URL);
}

/**
 * The error of an attempt whose url function threw, rejected or gave a bad
 * URL, or for whose URL (`href`) no socket could be made: a constructor's
 * message may quote the URL or pieces of it (browsers do), so it is passed
 * on masked, and kept as the cause only when it quotes no secret.
 */
export function urlError(cause: unknown, href: string | undefined): LifelineError {
  const said = describe(cause);
  const masked = href ? redact(href, said) : said;
  return cause instanceof LifelineError
    ? cause
    : new LifelineError("URL_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? (href ? `cannot open a WebSocket to ${redact(href)}: ${masked}` : `the url function failed: ${masked}`) : masked, masked === said ? { cause } : undefined);
}
