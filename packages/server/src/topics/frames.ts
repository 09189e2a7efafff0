// The topic frames of protocol version 2 (docs/protocol.md, "Topics"):
// parsing `sub`/`unsub`, encoding what the server sends. Pure functions.
import type { GapReason, Publication, TopicPosition } from "./history.js";

/** A topic frame from the client, checked for shape. */
export type TopicFrame =
  | { readonly t: "sub"; readonly topic: string; readonly from: TopicPosition | undefined }
  | { readonly t: "unsub"; readonly topic: string };

/** Longest topic name, in characters. */
export const MAX_TOPIC_LENGTH = 256;
/** Longest epoch accepted from a client, in characters. */
const MAX_EPOCH_LENGTH = 64;

/** Why a `sub` was refused (`{"t":"refused","code":…}`). */
export type RefusalCode = "FORBIDDEN" | "LIMIT" | "UNAVAILABLE";

const isTopic = (value: unknown): value is string => typeof value === "string" && value.length > 0 && value.length <= MAX_TOPIC_LENGTH;

/** Parses the members of a `sub`/`unsub` envelope (`t` already read). */
export function parseTopicFrame(t: "sub" | "unsub", f: Record<string, unknown>): { frame: TopicFrame } | { problem: string } {
  if (!isTopic(f["topic"])) return { problem: `${t} needs a topic of 1-256 chars` };
  if (t === "unsub") return { frame: { t, topic: f["topic"] } };
  const { epoch, offset } = f;
  if (epoch === undefined && offset === undefined) return { frame: { t, topic: f["topic"], from: undefined } };
  if (typeof epoch !== "string" || epoch.length > MAX_EPOCH_LENGTH) return { problem: "sub epoch must be a string of 0-64 chars" };
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) return { problem: "sub offset must be an integer >= 0" };
  return { frame: { t, topic: f["topic"], from: { epoch, offset } } };
}

const name = (topic: string) => JSON.stringify(topic);

export const subscribedFrame = (topic: string, at: TopicPosition, recovered: boolean): string =>
  `{"t":"subscribed","topic":${name(topic)},"epoch":${JSON.stringify(at.epoch)},"offset":${at.offset},"recovered":${recovered}}`;

export const pubFrame = (topic: string, p: Publication): string =>
  `{"t":"pub","topic":${name(topic)},"epoch":${JSON.stringify(p.epoch)},"offset":${p.offset},"data":${p.body}}`;

export const gapFrame = (topic: string, reason: GapReason, at: TopicPosition): string =>
  `{"t":"gap","topic":${name(topic)},"reason":"${reason}","epoch":${JSON.stringify(at.epoch)},"offset":${at.offset}}`;

export const refusedFrame = (topic: string, code: RefusalCode): string => `{"t":"refused","topic":${name(topic)},"code":"${code}"}`;
