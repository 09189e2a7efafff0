// WebSocket upgrades: accepted, refused with an HTTP status (`rejectNext`),
// or held unanswered while the line is frozen and answered at `thaw()`.
import type { EventEmitter } from "node:events";
import * as http from "node:http";
import type { Duplex } from "node:stream";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import { nonNegativeInteger } from "./checks.js";
import type { LineState } from "./connection.js";
import type { ServerEvents } from "./types.js";

interface HeldUpgrade {
  req: http.IncomingMessage;
  socket: Duplex;
  head: Buffer;
  chunks: Buffer[];
  detach(): void;
}

const noop = () => {};

export class Upgrades {
  readonly #wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  readonly #line: LineState;
  readonly #events: EventEmitter<ServerEvents>;
  readonly #accept: (ws: WebSocket) => void;
  readonly #held: HeldUpgrade[] = [];
  /** Upgrade sockets (accepted or refused): the HTTP server stops tracking them after "upgrade". */
  readonly #sockets = new Set<Duplex>();
  #rejectRemaining = 0;
  #rejectStatus = 503;
  /** Upgrades refused by `rejectNext()` since start (or `reset()`). */
  rejected = 0;

  constructor(line: LineState, events: EventEmitter<ServerEvents>, accept: (ws: WebSocket) => void) {
    this.#line = line;
    this.#events = events;
    this.#accept = accept;
  }

  /** Upgrade requests held by a freeze. */
  get held(): number {
    return this.#held.length;
  }

  onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset from a client that gave up must not become an uncaught error.
    socket.on("error", noop);
    if (this.#line.closed || this.#line.down) {
      socket.destroy();
      return;
    }
    if (this.#line.frozen) {
      this.#hold(req, socket, head);
      return;
    }
    this.#answer(req, socket, head);
  }

  rejectNext(n: number, status = 503): void {
    nonNegativeInteger("rejectNext n", n);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`rejectNext status must be an HTTP status from 200 to 599, got ${String(status)}`);
    }
    this.#rejectRemaining = n;
    this.#rejectStatus = status;
  }

  /** `thaw()`: answer the held upgrades whose socket is still alive. */
  release(): void {
    for (const held of this.#held.splice(0)) {
      held.detach();
      const { socket } = held;
      if (socket.destroyed || !socket.readable || !socket.writable) {
        socket.destroy();
        continue;
      }
      // Synchronous from here into ws's own "data" listener, so no chunk is lost.
      this.#answer(held.req, socket, Buffer.concat([held.head, ...held.chunks]));
    }
  }

  /** Destroys held and upgraded sockets (restart, close). */
  destroyAll(): void {
    for (const held of this.#held.splice(0)) {
      held.detach();
      held.socket.destroy();
    }
    for (const socket of this.#sockets) socket.destroy();
  }

  close(): void {
    this.#wss.close();
  }

  #hold(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    // A client that gives up (FIN) must not be completed at thaw().
    const onEnd = () => socket.destroy();
    const onClose = () => {
      const i = this.#held.indexOf(entry);
      if (i === -1) return;
      this.#held.splice(i, 1);
      this.#events.emit("held", { pending: this.#held.length });
    };
    const entry: HeldUpgrade = {
      req,
      socket,
      head,
      chunks,
      detach: () => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onClose);
      },
    };
    // Reading (into `chunks`) is what lets us notice a client that went away.
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onClose);
    this.#held.push(entry);
    this.#events.emit("held", { pending: this.#held.length });
  }

  #answer(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#rejectRemaining > 0) {
      this.#rejectRemaining--;
      this.rejected++;
      const status = this.#rejectStatus;
      const text = http.STATUS_CODES[status] ?? "Unknown";
      const body = `${status} ${text} (rejectNext)\n`;
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      // Read the client's FIN so the socket closes instead of lingering half-open.
      socket.resume();
      this.#track(socket);
      this.#events.emit("rejected", { status });
      return;
    }
    this.#track(socket);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  #track(socket: Duplex): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }
}
