// The Node `ws` adapter: a `ws` WebSocket becomes a Transport for the core.
// Typed structurally, so the package imports nothing from `ws` (nor node:).
import { CLOSE } from "../close-codes.js";
import { platform } from "../platform.js";
import { pollDrained } from "./drain.js";
import type { ConnectOptions, ProtocolConnection, Transport } from "../transport.js";

/** The part of a `ws` WebSocket (v8) the adapter uses. */
export interface NodeWebSocket {
  readonly readyState: number;
  /** Bytes queued and not yet sent (`ws` counts its socket's write buffer). */
  readonly bufferedAmount?: number;
  send(data: string): void;
  /** A protocol ping; `callback` runs once it (and everything written before it) left the process. */
  ping?(data?: undefined, mask?: undefined, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  /** Stops emitting messages once the data already read is consumed (ws 8: pauses the socket); a no-op unless open. */
  pause?(): void;
  /** Undoes `pause`. */
  resume?(): void;
  /**
   * The underlying `net.Socket` (`ws` keeps it there, not as documented API):
   * corked for the rest of a turn once written to, so that its frames leave in one `writev`.
   */
  readonly _socket?: { cork?(): void; uncork?(): void } | null;
  on(event: "message", listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

/** What an adapter needs from the server: a `LifelineServer` is one. */
export interface Connector {
  connect(transport: Transport, options?: ConnectOptions): ProtocolConnection;
}

const OPEN = 1;
let decoder: InstanceType<typeof platform.TextDecoder> | undefined;

/** A `ws` message (Buffer, ArrayBuffer or Buffer[]) as text, and its size in bytes. */
function decode(data: unknown): { text: string; bytes: number } | undefined {
  if (typeof data === "string") return { text: data, bytes: data.length };
  decoder ??= new platform.TextDecoder();
  // the usual case, one Buffer: one decode call, no streaming state
  if (data instanceof Uint8Array) return { text: decoder.decode(data), bytes: data.byteLength };
  const parts = Array.isArray(data) ? data : [data];
  let text = "";
  let bytes = 0;
  for (const part of parts) {
    const view = part instanceof Uint8Array ? part : part instanceof ArrayBuffer ? new Uint8Array(part) : undefined;
    if (!view) return undefined;
    bytes += view.byteLength;
    text += decoder.decode(view, { stream: true });
  }
  return { text: text + decoder.decode(), bytes };
}

/**
 * A `ws` socket as a Transport: one object per connection, its methods on
 * the prototype (no closures per connection). Backpressure: `bufferedAmount`
 * says what the socket holds; a protocol ping written behind it calls back
 * once everything before it was flushed (the socket's own drain, through
 * ws's public API; the client's runtime answers the ping by itself and the
 * application never sees it).
 */
class WsTransport implements Transport {
  readonly #ws: NodeWebSocket;
  /** The socket is corked until the microtasks of this turn ran. */
  #corked = false;
  /** Reading is paused (the connection's inbound frames wait for a later turn). */
  #paused = false;

  constructor(ws: NodeWebSocket) {
    this.#ws = ws;
  }

  send(text: string): void {
    const ws = this.#ws;
    if (ws.readyState !== OPEN) return;
    // the frames of one turn (a pump's batch, a producer's loop, acks) leave in one writev, not one each
    if (!this.#corked) {
      const socket = ws._socket;
      if (socket?.cork && socket.uncork) {
        socket.cork();
        this.#corked = true;
        queueMicrotask(() => {
          this.#corked = false;
          socket.uncork?.();
        });
      }
    }
    ws.send(text);
  }

  close(code: number, reason: string): void {
    // the client's closing frame has to be read
    this.resume();
    this.#ws.close(code, reason);
  }

  pause(): void {
    const ws = this.#ws;
    if (this.#paused || ws.readyState !== OPEN || !ws.pause) return;
    this.#paused = true;
    ws.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#ws.resume?.();
  }

  buffered(): number {
    return this.#ws.bufferedAmount ?? 0;
  }

  whenDrained(resume: () => void): void {
    const ws = this.#ws;
    if (ws.readyState !== OPEN) return resume();
    if (typeof ws.ping === "function") ws.ping(undefined, undefined, () => resume());
    else pollDrained(() => ws.readyState !== OPEN || ws.bufferedAmount === 0, resume);
  }
}

/** Serves one `ws` WebSocket with the lifeline protocol; `LifelineServer.accept` calls this. */
export function acceptNodeWebSocket(server: Connector, ws: NodeWebSocket, options?: { user?: string }): ProtocolConnection {
  const conn = server.connect(new WsTransport(ws), options?.user === undefined ? undefined : { user: options.user });
  ws.on("message", (data, isBinary) => {
    const frame = isBinary ? undefined : decode(data);
    if (!frame) {
      ws.close(CLOSE.UNSUPPORTED_DATA, "binary frames are not part of the protocol");
      conn.end();
      return;
    }
    conn.receive(frame.text, frame.bytes);
  });
  ws.on("close", () => conn.end());
  // every error ends in "close"; without a listener ws would throw it at the process
  ws.on("error", () => {});
  return conn;
}
