/**
 * The server side of lifeline's acknowledged delivery (docs/protocol.md),
 * usable from any Node WebSocket server: feed it each connection's text
 * frames, give it a way to send, and it acknowledges, drops duplicates and
 * hands the application every message exactly once, in order.
 *
 * @example
 * import { WebSocketServer } from "ws";
 * import { createDelivery } from "@lifeline/test-server";
 *
 * const delivery = createDelivery({ onMessage: (msg, reply) => reply({ ok: true }) });
 * new WebSocketServer({ port: 8080 }).on("connection", (ws) => {
 *   const conn = delivery.connection((text) => ws.send(text));
 *   ws.on("message", (data, binary) => {
 *     if (data.toString() === "ping") return ws.send("pong");
 *     if (!binary) conn.handle(data.toString());
 *   });
 *   ws.on("close", () => conn.close());
 * });
 */

/** One message the application received, with where it came from. */
export interface DeliveredMessage {
  readonly session: string;
  readonly seq: number;
  readonly data: unknown;
  /** Set for `request()` messages (`t: "req"`): the id a reply must carry as `re`. */
  readonly id?: string;
}

export interface DeliveryOptions {
  /**
   * Called once per message, in the order the client sent them, never for a
   * duplicate. `reply(data)` answers on the connection the message came in
   * on: for a request it sends `{ t: "msg", re: id, data }`, otherwise
   * `{ t: "msg", data }`.
   */
  onMessage?: (message: DeliveredMessage, reply: (data: unknown) => void) => void;
  /** Keep at most this many messages in `delivered` (oldest dropped first). @default Infinity */
  recordLimit?: number;
}

export interface DeliveryConnection {
  /** Handles one text frame; false when it is not a lifeline envelope (the caller may treat it otherwise). */
  handle(text: string): boolean;
  /** The session this connection said hello with, once it has. */
  readonly session: string | undefined;
  /** Sends an application message to this connection's client. */
  send(data: unknown): void;
  /** Call when the socket closes: cancels a pending ack. */
  close(): void;
}

export interface Delivery {
  /** Wires one connection. `send` writes a text frame to its socket. */
  connection(send: (text: string) => void): DeliveryConnection;
  /** Every message handed to the application, in order of arrival. */
  readonly delivered: DeliveredMessage[];
  /** Messages received again (a resend after a lost ack) and dropped. */
  readonly duplicates: number;
  /** Highest sequence number received per session. */
  readonly sessions: ReadonlyMap<string, number>;
  /** Forgets sessions and the record. */
  reset(): void;
}

type Incoming =
  | { t: "hello"; session?: unknown; ack?: unknown }
  | { t: "msg" | "req"; seq?: unknown; id?: unknown; data?: unknown };

/** Creates the server side of acknowledged delivery. */
export function createDelivery(options: DeliveryOptions = {}): Delivery {
  const sessions = new Map<string, number>();
  const delivered: DeliveredMessage[] = [];
  const limit = options.recordLimit ?? Infinity;
  let duplicates = 0;

  return {
    delivered,
    get duplicates() {
      return duplicates;
    },
    sessions,
    reset() {
      sessions.clear();
      delivered.length = 0;
      duplicates = 0;
    },
    connection(send) {
      let session: string | undefined;
      let ackDue: ReturnType<typeof setImmediate> | undefined;
      let closed = false;

      // Acks are cumulative, so one per turn of the event loop covers every
      // frame that arrived in it.
      const scheduleAck = () => {
        if (ackDue || closed) return;
        ackDue = setImmediate(() => {
          ackDue = undefined;
          if (!closed && session !== undefined) send(JSON.stringify({ t: "ack", seq: sessions.get(session) ?? 0 }));
        });
      };

      return {
        get session() {
          return session;
        },
        send(data) {
          send(JSON.stringify({ t: "msg", data }));
        },
        close() {
          closed = true;
          if (ackDue) clearImmediate(ackDue);
          ackDue = undefined;
        },
        handle(text) {
          let frame: Incoming;
          try {
            frame = JSON.parse(text) as Incoming;
          } catch {
            return false;
          }
          if (typeof frame !== "object" || frame === null) return false;
          switch (frame.t) {
            case "hello": {
              if (typeof frame.session !== "string" || frame.session === "") return false;
              session = frame.session;
              if (!sessions.has(session)) sessions.set(session, 0);
              // tell the client at once what already arrived, so it resends only the rest
              scheduleAck();
              return true;
            }
            case "msg":
            case "req": {
              if (session === undefined || typeof frame.seq !== "number") return false;
              const last = sessions.get(session) ?? 0;
              if (frame.seq <= last) {
                duplicates++;
                scheduleAck();
                return true;
              }
              // a gap is allowed: the client may have dropped messages by its queue policy
              sessions.set(session, frame.seq);
              const id = frame.t === "req" && typeof frame.id === "string" ? frame.id : undefined;
              const message: DeliveredMessage = { session, seq: frame.seq, data: frame.data, ...(id !== undefined && { id }) };
              delivered.push(message);
              if (delivered.length > limit) delivered.shift();
              scheduleAck();
              options.onMessage?.(message, (data) =>
                send(JSON.stringify(id === undefined ? { t: "msg", data } : { t: "msg", re: id, data })),
              );
              return true;
            }
            default:
              return false;
          }
        },
      };
    },
  };
}
