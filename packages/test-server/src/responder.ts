// Answering user frames: echo to the sender or broadcast to all (the mode),
// the acknowledged-delivery protocol (@lifeline/server) for envelopes, and
// the application's `onMessage` hook before the default answer.
import type { EventEmitter } from "node:events";
import type { Connection } from "./connection.js";
import { createDelivery } from "./delivery.js";
import type { Delivery, DeliveryConnection } from "./delivery.js";
import { isMode } from "./options.js";
import type { OutgoingData, ResolvedOptions, ServerMode } from "./options.js";
import type { Outbox } from "./outbox.js";
import type { ServerEvents } from "./types.js";

function toFrame(data: OutgoingData): { data: string | Buffer; binary: boolean } {
  if (typeof data === "string") return { data, binary: false };
  if (Buffer.isBuffer(data)) return { data, binary: true };
  if (data instanceof Uint8Array) return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), binary: true };
  throw new TypeError(`data must be a string, Buffer or Uint8Array, got ${typeof data}`);
}

export class Responder {
  mode: ServerMode;
  readonly delivery: Delivery | undefined;
  readonly #protocol = new Map<number, DeliveryConnection>();
  readonly #options: ResolvedOptions;
  readonly #outbox: Outbox;
  readonly #events: EventEmitter<ServerEvents>;
  readonly #open: ReadonlyMap<number, Connection>;

  constructor(options: ResolvedOptions, outbox: Outbox, events: EventEmitter<ServerEvents>, open: ReadonlyMap<number, Connection>) {
    this.#options = options;
    this.#outbox = outbox;
    this.#events = events;
    this.#open = open;
    this.mode = options.mode;
    if (options.delivery === "at-least-once") {
      this.delivery = createDelivery({
        topics: options.topics,
        onMessage: (message, reply) => {
          // a request is always answered to its sender; broadcast sends to every session
          if (this.mode === "echo" || message.id !== undefined) reply(message.data);
          else for (const conn of this.#protocol.values()) conn.send(message.data);
        },
      });
    }
  }

  setMode(mode: ServerMode): void {
    if (!isMode(mode)) throw new TypeError(`mode must be "echo" or "broadcast", got ${String(mode)}`);
    this.mode = mode;
  }

  broadcast(data: OutgoingData): void {
    const frame = toFrame(data);
    for (const conn of this.#open.values()) this.#outbox.send(conn, frame.data, frame.binary);
  }

  respond(conn: Connection, data: string | Buffer, binary: boolean): void {
    let handled: boolean | void = false;
    if (this.delivery && !binary) handled = this.#envelope(conn).handle(data as string);
    const hook = this.#options.onMessage;
    if (hook && !handled) {
      try {
        handled = hook({
          client: conn.id,
          data,
          binary,
          reply: (out) => {
            const frame = toFrame(out);
            this.#outbox.send(conn, frame.data, frame.binary);
          },
        });
      } catch (error) {
        handled = true;
        conn.ws.close(1011, "onMessage hook threw");
        this.#events.emit("hookError", { client: conn.id, error });
      }
    }
    if (handled === true) return;
    if (this.mode === "echo") this.#outbox.send(conn, data, binary);
    else for (const other of this.#open.values()) this.#outbox.send(other, data, binary);
  }

  closed(conn: Connection): void {
    this.#protocol.get(conn.id)?.close();
    this.#protocol.delete(conn.id);
  }

  /** The protocol end of a connection, made at its first text frame. */
  #envelope(conn: Connection): DeliveryConnection {
    let protocol = this.#protocol.get(conn.id);
    if (!protocol) {
      protocol = this.delivery!.connection(
        (text) => this.#outbox.send(conn, text, false),
        (code, reason) => conn.ws.close(code, reason),
      );
      this.#protocol.set(conn.id, protocol);
    }
    return protocol;
  }
}
