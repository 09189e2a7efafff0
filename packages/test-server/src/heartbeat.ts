// The server's own heartbeat: a "ping" to every client each interval, and a
// client that sends nothing within the timeout after an unanswered ping is
// terminated.
import type { Connection, LineState } from "./connection.js";
import type { ResolvedOptions } from "./options.js";
import type { Outbox } from "./outbox.js";

export class Heartbeat {
  readonly #options: ResolvedOptions["heartbeat"];
  readonly #line: LineState;
  readonly #outbox: Outbox;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ResolvedOptions["heartbeat"], line: LineState, outbox: Outbox) {
    this.#options = options;
    this.#line = line;
    this.#outbox = outbox;
  }

  start(conns: () => Iterable<Connection>): void {
    const hb = this.#options;
    if (hb) this.#timer = setInterval(() => this.#tick(conns()), hb.interval);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Anything heard proves the client alive, not only "pong". */
  heard(conn: Connection): void {
    this.clear(conn);
  }

  clear(conn: Connection): void {
    if (conn.deadline) clearTimeout(conn.deadline);
    conn.deadline = undefined;
  }

  #tick(conns: Iterable<Connection>): void {
    // A frozen line sends nothing, and cannot hear answers, so it judges nobody.
    if (this.#line.frozen || this.#line.down) return;
    for (const conn of conns) this.#outbox.send(conn, "ping", false, () => this.#arm(conn));
  }

  #arm(conn: Connection): void {
    const hb = this.#options;
    // An earlier unanswered ping already set the deadline; later pings do not extend it.
    if (!hb || conn.deadline) return;
    conn.deadline = setTimeout(() => {
      conn.deadline = undefined;
      if (!this.#line.frozen) conn.ws.terminate();
    }, hb.timeout);
  }
}
