// Fault injection: clean closes, TCP resets, a half-open freeze, delays and
// restarts on the same port. (Refused upgrades live with the upgrades.)
import type { EventEmitter } from "node:events";
import { isSendableCloseCode, nonNegativeMs } from "./checks.js";
import type { LineState } from "./connection.js";
import type { Connections } from "./connections.js";
import type { Heartbeat } from "./heartbeat.js";
import type { Listener } from "./listener.js";
import type { Outbox } from "./outbox.js";
import type { ServerEvents } from "./types.js";
import type { Upgrades } from "./upgrades.js";

const noop = () => {};

export class Faults {
  readonly #line: LineState;
  readonly #conns: Connections;
  readonly #outbox: Outbox;
  readonly #heartbeat: Heartbeat;
  readonly #upgrades: Upgrades;
  readonly #listener: Listener;
  readonly #events: EventEmitter<ServerEvents>;
  #restartTask: Promise<void> | undefined;
  #cancelRestartWait: (() => void) | undefined;

  constructor(
    line: LineState,
    conns: Connections,
    outbox: Outbox,
    heartbeat: Heartbeat,
    upgrades: Upgrades,
    listener: Listener,
    events: EventEmitter<ServerEvents>,
  ) {
    this.#line = line;
    this.#conns = conns;
    this.#outbox = outbox;
    this.#heartbeat = heartbeat;
    this.#upgrades = upgrades;
    this.#listener = listener;
    this.#events = events;
  }

  dropAll(code = 1000, reason = ""): void {
    if (!isSendableCloseCode(code)) {
      throw new RangeError(`dropAll code must be 1000-1003, 1007-1014 or 3000-4999, got ${String(code)}`);
    }
    if (typeof reason !== "string" || Buffer.byteLength(reason) > 123) {
      throw new RangeError("dropAll reason must be a string of at most 123 bytes");
    }
    for (const conn of this.#conns.open.values()) {
      this.#heartbeat.clear(conn);
      this.#outbox.discard(conn);
      // Read again so the client's close frame completes the handshake; frames
      // that arrive meanwhile stay held and are discarded with the connection.
      if (this.#line.frozen) conn.ws.resume();
      conn.ws.close(code, reason);
    }
  }

  terminateAll(): void {
    for (const conn of this.#conns.open.values()) conn.ws.terminate();
  }

  freeze(): void {
    if (this.#line.frozen) return;
    this.#line.frozen = true;
    for (const conn of this.#conns.open.values()) {
      conn.ws.pause();
      this.#outbox.stop(conn);
      // The client cannot be heard while frozen, so it cannot be late either.
      this.#heartbeat.clear(conn);
    }
  }

  thaw(): void {
    if (!this.#line.frozen) return;
    this.#line.frozen = false;
    for (const conn of [...this.#conns.open.values()]) {
      for (const frame of conn.heldIncoming.splice(0)) this.#conns.frame(conn, frame.data, frame.isBinary);
      conn.ws.resume();
      this.#outbox.flush(conn);
    }
    this.#upgrades.release();
  }

  delay(ms: number): void {
    this.#outbox.delayMs = nonNegativeMs("delay", ms);
  }

  restart(downForMs: number): Promise<void> {
    try {
      nonNegativeMs("restart downForMs", downForMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#line.closed) return Promise.reject(new Error("restart(): the server is closed"));
    if (this.#restartTask) return Promise.reject(new Error("restart(): a restart is already in progress"));
    const task = this.#restart(downForMs).finally(() => {
      this.#restartTask = undefined;
    });
    this.#restartTask = task;
    return task;
  }

  /** Terminates every socket, held upgrades included. */
  destroyAllSockets(): void {
    for (const conn of this.#conns.open.values()) {
      this.#heartbeat.clear(conn);
      this.#outbox.stop(conn);
      conn.ws.terminate();
    }
    this.#upgrades.destroyAll();
  }

  /** `close()`: ends a restart in progress (its promise rejects) and waits for it. */
  async shutdown(): Promise<void> {
    this.#line.frozen = false;
    this.#cancelRestartWait?.();
    await this.#restartTask?.catch(noop);
  }

  async #restart(downForMs: number): Promise<void> {
    this.#line.down = true;
    // A restarted server is a fresh process in spirit: nothing stays frozen.
    this.#line.frozen = false;
    this.destroyAllSockets();
    // Closing the listener happens synchronously here, so connections fail from now on.
    await this.#listener.close();
    // After the listener is fully closed (not synchronously), so a caller can
    // still subscribe after calling restart().
    this.#events.emit("down");
    // close() may have come while the listener was closing, before the wait below existed.
    if (this.#line.closed) throw new Error("restart(): the server was closed while down");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, downForMs);
      this.#cancelRestartWait = () => {
        clearTimeout(timer);
        reject(new Error("restart(): the server was closed while down"));
      };
    });
    this.#cancelRestartWait = undefined;
    if (this.#line.closed) throw new Error("restart(): the server was closed while down");
    await this.#listener.listen(this.#listener.port);
    this.#line.down = false;
    this.#events.emit("up", { port: this.#listener.port });
  }
}
