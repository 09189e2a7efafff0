// Connections and the record: accepting a socket, numbering it, reading its
// frames (held while frozen), answering the heartbeat, recording every user
// frame, and handing it on to the responder (echo/broadcast/delivery).
import type { EventEmitter } from "node:events";
import type WebSocket from "ws";
import type { RawData } from "ws";
import type { Connection, LineState } from "./connection.js";
import type { Heartbeat } from "./heartbeat.js";
import type { Outbox } from "./outbox.js";
import type { ReceivedMessage, ServerEvents } from "./types.js";

/** What the connections hand on. */
export interface ConnectionHooks {
  /** A recorded user frame: answer it (echo, broadcast, delivery, the `onMessage` hook). */
  respond(conn: Connection, data: string | Buffer, binary: boolean): void;
  /** The socket closed. */
  closed(conn: Connection): void;
  /** Something counted changed: wake the waiters. */
  changed(): void;
}

const noop = () => {};

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class Connections {
  /** Open connections by id. */
  readonly open = new Map<number, Connection>();
  readonly received: ReceivedMessage[] = [];
  /** Upgrades accepted since start (or `reset()`). */
  accepted = 0;
  pings = 0;
  pongs = 0;
  #nextId = 0;
  readonly #events: EventEmitter<ServerEvents>;
  readonly #line: LineState;
  readonly #outbox: Outbox;
  readonly #heartbeat: Heartbeat;
  readonly #hooks: ConnectionHooks;

  constructor(events: EventEmitter<ServerEvents>, line: LineState, outbox: Outbox, heartbeat: Heartbeat, hooks: ConnectionHooks) {
    this.#events = events;
    this.#line = line;
    this.#outbox = outbox;
    this.#heartbeat = heartbeat;
    this.#hooks = hooks;
  }

  accept(ws: WebSocket): void {
    if (this.#line.closed || this.#line.down) {
      ws.terminate();
      return;
    }
    const conn: Connection = { id: ++this.#nextId, ws, outbox: [], flushTimer: undefined, deadline: undefined, heldIncoming: [] };
    this.open.set(conn.id, conn);
    this.accepted++;
    ws.on("message", (data, isBinary) => this.frame(conn, data, isBinary));
    // Errors always end in "close", which is what we report.
    ws.on("error", noop);
    ws.on("close", (code) => {
      this.#heartbeat.clear(conn);
      this.#outbox.discard(conn);
      this.open.delete(conn.id);
      this.#hooks.closed(conn);
      this.#events.emit("disconnect", { client: conn.id, code });
      this.#hooks.changed();
    });
    this.#events.emit("connection", { client: conn.id });
    this.#hooks.changed();
  }

  /** One frame from a client (also the frames a freeze held, at `thaw()`). */
  frame(conn: Connection, raw: RawData, isBinary: boolean): void {
    if (this.#line.frozen) {
      // ws can still emit frames it had buffered before the pause; keep them for thaw().
      conn.heldIncoming.push({ data: raw, isBinary });
      return;
    }
    this.#heartbeat.heard(conn);
    const bytes = toBuffer(raw);
    const data: string | Buffer = isBinary ? bytes : bytes.toString("utf8");
    if (data === "ping") {
      this.pings++;
      this.#outbox.send(conn, "pong", false);
      return;
    }
    if (data === "pong") {
      this.pongs++;
      return;
    }
    const record: ReceivedMessage = { client: conn.id, data, binary: isBinary, at: Date.now() };
    this.received.push(record);
    this.#events.emit("message", record);
    this.#hooks.respond(conn, data, isBinary);
    this.#hooks.changed();
  }

  texts(): string[] {
    return this.received.flatMap((m) => (m.binary ? [] : [m.data as string]));
  }

  /** Clears the record and the counters; ids keep counting so they never repeat. */
  reset(): void {
    this.received.length = 0;
    this.accepted = 0;
    this.pings = 0;
    this.pongs = 0;
  }
}
