/**
 * Acknowledged delivery, protocol version 2 (docs/protocol.md), as an opt-in
 * feature: `createClient({ url, delivery: atLeastOnce() })`.
 *
 * Client → server: every message goes out as `{"t":"msg","seq":N,"data":…}`
 * and is held until the server's cumulative `{"t":"ack","seq":N}`; after a
 * reconnect everything unacknowledged is resent, in order, before anything
 * newer (right after the `hello`). Server → client: messages carrying `seq`
 * are delivered once and in order, and acknowledged in batches. A `reset`
 * from the server starts a fresh session that carries on with what is held.
 *
 * @example
 * import { createClient } from "@lifeline/client";
 * import { atLeastOnce } from "@lifeline/client/at-least-once";
 *
 * const client = createClient({ url, delivery: atLeastOnce() });
 * client.on("delivered", ({ messages }) => markSent(messages));
 * client.on("reset", ({ reason }) => resync(reason));
 */
import { invalid } from "../core/incoming.js";
import type { Extension, Line } from "../core/extension.js";
import { invalidOption, show } from "../core/errors.js";
import type { Entry, Feature } from "../core/types.js";
import { randomId } from "../random-id.js";

export interface AtLeastOnceOptions {
  /** Acknowledge server messages once this many have arrived (at the end of that turn: one ack covers a whole socket read)… @default 32 */
  ackEvery?: number;
  /** …or this many ms after the first unacknowledged one, whichever comes first. @default 200 */
  ackDelay?: number;
}

/** The envelopes a server sends (docs/protocol.md). */
type ServerFrame = { t?: unknown; seq?: unknown; data?: unknown; re?: unknown; reason?: unknown } | null;


/**
 * Turns on acknowledged delivery in both directions. Needs a cooperating
 * server (`@lifeline/server`, or any that follows docs/protocol.md) and the
 * default JSON codec. At most `queue.max` messages are in flight
 * unacknowledged; beyond that new ones wait in the queue.
 */
export function atLeastOnce(options: AtLeastOnceOptions = {}): Feature {
  const { ackEvery = 32, ackDelay = 200 } = options;
  if (!(Number.isInteger(ackEvery) && ackEvery > 0)) throw invalidOption(`atLeastOnce ackEvery must be a positive integer, got ${show(ackEvery)}`);
  if (!(ackDelay >= 0 && ackDelay < Infinity)) throw invalidOption(`atLeastOnce ackDelay must be a non-negative finite number of ms, got ${show(ackDelay)}`);
  return (line) => acknowledged(line, ackEvery, ackDelay);
}

function acknowledged(line: Line, ackEvery: number, ackDelay: number): Extension {
  const { clock, queue } = line.options;
  let session = randomId();
  /** Sent and not yet acknowledged, oldest first; `unacked[i]` carries seq `firstSeq + i`. */
  const unacked: Entry[] = [];
  let firstSeq = 1;
  /** The highest server seq received in order (the `ack` of the next hello). */
  let received = 0;
  /**
   * The server answered for this session (an ack or a numbered message), so it
   * has state the client relies on even while `received` is 0: the next hello
   * says `resume`, and a server that lost the session answers reset.
   */
  let known = false;
  let unackedIn = 0;
  let ackTimer: unknown;
  let stopped = false;

  const envelope = (entry: Entry, seq: number) =>
    entry.meta?.id === undefined
      ? `{"t":"msg","seq":${seq},"data":${entry.wire as string}}`
      : `{"t":"req","seq":${seq},"id":${JSON.stringify(entry.meta.id)},"data":${entry.wire as string}}`;

  const sendAck = () => {
    clock.clearTimeout(ackTimer);
    ackTimer = undefined;
    if (unackedIn > 0 && line.isOpen) line.write(`{"t":"ack","seq":${received}}`);
    unackedIn = 0;
  };

  const fresh = () => {
    session = randomId();
    firstSeq = 1;
    received = unackedIn = 0;
    known = false;
  };

  const resendAll = () => {
    for (let i = 0; i < unacked.length; i++) if (!line.write(envelope(unacked[i]!, firstSeq + i))) return;
  };

  const acknowledge = (seq: unknown) => {
    known = true;
    const count = typeof seq === "number" ? Math.min(seq - firstSeq + 1, unacked.length) : 0;
    if (count <= 0) return;
    // splice in place: V8 trims the front of the array without copying the rest, where two slices copied it per ack
    const messages = unacked.splice(0, count).map((entry) => entry.message);
    firstSeq += count;
    line.emit("delivered", { messages, seq });
    // room in the window: what waited behind it may go
    if (line.queued) line.flush();
  };

  return {
    start() {
      // after close(), a connect() with nothing left to deliver starts a fresh session
      if (stopped && unacked.length === 0 && line.queued === 0) fresh();
      stopped = false;
    },
    open() {
      unackedIn = 0;
      if (line.write(JSON.stringify({ t: "hello", session, ack: received, ...(known && { resume: true }) }))) resendAll();
    },
    transmit(entry) {
      if (unacked.length >= queue.max) return false;
      if (!line.write(envelope(entry, firstSeq + unacked.length))) return false;
      unacked.push(entry);
      return true;
    },
    receive(data, value, next) {
      const frame = value as ServerFrame;
      switch (typeof frame === "object" && frame !== null ? frame.t : undefined) {
        case "ack":
          return acknowledge(frame!.seq);
        case "msg": {
          const { seq } = frame!;
          if (typeof seq === "number") {
            known = true;
            // a replay of what we already have is dropped, but still acknowledged
            const fresh = seq > received;
            if (fresh) received = seq;
            // One ack per turn once ackEvery are owed: the frames of one socket read arrive in one
            // turn, and the ack at its end covers them all (an ack is a write, the costliest step).
            if (++unackedIn === ackEvery) queueMicrotask(sendAck);
            else if (unackedIn === 1) ackTimer = clock.setTimeout(sendAck, ackDelay);
            if (!fresh) return;
          }
          // `invalid` shows the application's message, not the envelope
          return next(frame!.data, frame!.re, frame!.data);
        }
        case "reset":
          // the server has no state for this session: start a fresh one and send, under it, all we hold
          line.emit("reset", { reason: String(frame!.reason ?? "") });
          fresh();
          return line.reconnect();
        default:
          // a kind of another feature on this connection (topics), or nothing lifeline knows
          if (!line.claim(value)) invalid(line, data, 'not a lifeline envelope (expected t: "msg", "ack" or "reset")', value);
      }
    },
    closing: sendAck,
    lost() {
      clock.clearTimeout(ackTimer);
      ackTimer = undefined;
    },
    stop() {
      stopped = true;
    },
    pending: () => unacked.map((entry) => entry.message),
  };
}
