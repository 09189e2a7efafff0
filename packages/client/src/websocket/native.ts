// The platform socket of one attempt: the WebSocket constructor (read at
// each attempt, so a polyfill installed after import still counts), the url
// and protocols resolved from what the user gave, and the socket opened the
// way both peers open it.
import { DEFAULTS, LifelineError } from "../index.js";
import type { WebSocketConstructor, WebSocketLike } from "../index.js";
import type { LifelineWebSocketOptions, ProtocolsProvider, UrlProvider } from "./options.js";

// the bundler's production build folds the check on it; without a bundler, `process` may be missing
declare const process: { env: Record<string, string | undefined> } | undefined;

/** The platform socket's extra fields, read when it has them. */
export type NativeSocket = WebSocketLike & { url?: string; protocol?: string; extensions?: string; bufferedAmount?: number };

export type Protocols = string | string[] | null | undefined;

/** The constructor to use now: the `WebSocket` option, else the global one. */
export function webSocketConstructor(options: LifelineWebSocketOptions): WebSocketConstructor {
  const Ctor = options.WebSocket ?? DEFAULTS.WebSocket;
  if (typeof Ctor !== "function") {
    throw new LifelineError("NO_WEBSOCKET", (typeof process < "u" && typeof Deno > "u" ? process!.env.NODE_ENV : "production") !== "production" ? "no global WebSocket: pass the WebSocket option" : "WebSocket");
  }
  return Ctor;
}

/**
 * An attempt's url and protocols, each a value or a function returning one
 * (sync or async), resolved together. Always a promise, as in both peers:
 * reconnect() called many times in a row makes one socket, not one per call.
 */
export function resolveTarget(given: [UrlProvider, ProtocolsProvider]): Promise<[string | URL, Protocols]> {
  return Promise.all(given.map((provider) => (typeof provider === "function" ? provider() : provider))) as Promise<[string | URL, Protocols]>;
}

/**
 * Opens a socket as both peers do: asked for Blobs (it keeps its own default
 * when it has none, as the `ws` package does). `onError` listens until
 * lifeline closes the socket: added before lifeline's own listeners, a socket
 * that fails says so before lifeline reports the attempt's end; once lifeline
 * closed it (it gave up on it, or the line ended) its errors are no longer
 * its own failure (the `ws` package reports one from inside close() on a
 * connecting socket).
 */
export function openSocket(Ctor: WebSocketConstructor, url: string, protocols: Protocols, onError: () => void): NativeSocket {
  const socket: NativeSocket = protocols ? new Ctor(url, protocols) : new Ctor(url);
  socket.binaryType = "blob";
  const close = socket.close;
  socket.addEventListener("error", onError);
  socket.close = (...args) => {
    socket.removeEventListener("error", onError);
    close.apply(socket, args);
  };
  return socket;
}
