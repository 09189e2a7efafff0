// The wire format of protocol version 2 (docs/protocol.md): parsing what a
// client sends, encoding what the server sends. Pure functions, no state.
import type { ResetReason } from "./store.js";
import { parseTopicFrame } from "./topics/frames.js";
import type { TopicFrame } from "./topics/frames.js";

/** A frame from the client, checked for shape. */
export type ClientFrame =
  | {
      readonly t: "hello";
      readonly session: string;
      readonly ack: number;
      /** The server answered for this session before: the client relies on its state even with `ack` 0. */
      readonly resume: boolean;
    }
  | { readonly t: "msg"; readonly seq: number; readonly data: unknown }
  | { readonly t: "req"; readonly seq: number; readonly id: string; readonly data: unknown }
  | { readonly t: "ack"; readonly seq: number }
  | TopicFrame;

/** Longest session id accepted, in characters. */
export const MAX_SESSION_LENGTH = 256;
/** Longest request id accepted, in characters. */
export const MAX_ID_LENGTH = 256;

/** What `parseFrame` answers: the frame, or why it is not one (a close reason). */
export type Parsed = { readonly frame: ClientFrame } | { readonly problem: string };

const isCount = (value: unknown, min: number): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= min;

const isId = (value: unknown, max: number): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= max;

/** Parses one text frame (not the heartbeat: that never reaches here). */
export function parseFrame(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: "not an envelope" };
  const f = value as Record<string, unknown>;
  switch (f["t"]) {
    case "hello":
      if (!isId(f["session"], MAX_SESSION_LENGTH)) return { problem: "hello needs a session id of 1-256 chars" };
      if (!isCount(f["ack"] ?? 0, 0)) return { problem: "hello ack must be an integer >= 0" };
      if (f["resume"] !== undefined && typeof f["resume"] !== "boolean") return { problem: "hello resume must be a boolean" };
      return { frame: { t: "hello", session: f["session"], ack: (f["ack"] as number | undefined) ?? 0, resume: f["resume"] === true } };
    case "msg":
      if (!isCount(f["seq"], 1)) return { problem: "msg seq must be an integer >= 1" };
      return { frame: { t: "msg", seq: f["seq"], data: f["data"] } };
    case "req":
      if (!isCount(f["seq"], 1)) return { problem: "req seq must be an integer >= 1" };
      if (!isId(f["id"], MAX_ID_LENGTH)) return { problem: "req needs an id of 1-256 chars" };
      return { frame: { t: "req", seq: f["seq"], id: f["id"], data: f["data"] } };
    case "ack":
      if (!isCount(f["seq"], 0)) return { problem: "ack seq must be an integer >= 0" };
      return { frame: { t: "ack", seq: f["seq"] } };
    case "sub":
    case "unsub":
      return parseTopicFrame(f["t"], f);
    default:
      return { problem: "unknown frame type" };
  }
}

/** `{"t":"ack","seq":N}`: every client message up to N is handled. */
export const ackFrame = (seq: number): string => `{"t":"ack","seq":${seq}}`;

/** `{"t":"reset","reason":…}`: the server has no state for the session. */
export const resetFrame = (reason: ResetReason): string => `{"t":"reset","reason":"${reason}"}`;

/** `{"t":"msg","seq":K,…}` from a stored entry's body. */
export const messageFrame = (seq: number, body: string): string => `{"t":"msg","seq":${seq},${body}}`;

/**
 * The stored body of a server message (see `Entry.body`): `"data":…`, or
 * `"re":…,"data":…` for a reply. Throws a TypeError when `data` has no JSON
 * form (undefined, a function, a symbol) or cannot be serialised (a cycle, a BigInt).
 */
export function messageBody(data: unknown, re?: string): string {
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError(`data must be JSON-serialisable, got ${typeof data}`);
  return re === undefined ? `"data":${json}` : `"re":${JSON.stringify(re)},"data":${json}`;
}
