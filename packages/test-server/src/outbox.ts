// Frames out: every data frame the server writes goes through `send`, so
// `delay()` and `freeze()` apply to all of them and order is kept.
import WebSocket from "ws";
import type { Connection, LineState } from "./connection.js";

export class Outbox {
  readonly #line: LineState;
  /** Current outgoing delay in ms. */
  delayMs = 0;

  constructor(line: LineState) {
    this.#line = line;
  }

  send(conn: Connection, data: string | Buffer, binary: boolean, onWritten?: () => void): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (this.delayMs === 0 && !this.#line.frozen && conn.outbox.length === 0) {
      conn.ws.send(data, { binary });
      onWritten?.();
      return;
    }
    // Queued behind earlier frames even when its own due time is earlier: order is kept.
    conn.outbox.push({ data, binary, due: performance.now() + this.delayMs, onWritten });
    if (!conn.flushTimer) this.flush(conn);
  }

  /** Writes the frames whose time has come; re-arms for the next one. */
  flush(conn: Connection): void {
    this.stop(conn);
    if (this.#line.frozen || conn.ws.readyState !== WebSocket.OPEN) return;
    // 1 ms slack: timers run on a coarser clock than performance.now().
    const now = performance.now() + 1;
    let head = conn.outbox[0];
    while (head && head.due <= now) {
      conn.outbox.shift();
      conn.ws.send(head.data, { binary: head.binary });
      head.onWritten?.();
      head = conn.outbox[0];
    }
    if (head) {
      conn.flushTimer = setTimeout(() => this.flush(conn), Math.max(1, Math.ceil(head.due - performance.now())));
    }
  }

  /** Stops the flush timer (the queue stays). */
  stop(conn: Connection): void {
    if (conn.flushTimer) clearTimeout(conn.flushTimer);
    conn.flushTimer = undefined;
  }

  /** Drops what is queued. */
  discard(conn: Connection): void {
    this.stop(conn);
    conn.outbox.length = 0;
  }
}
