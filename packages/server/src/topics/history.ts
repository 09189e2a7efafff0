/**
 * Where topics keep their history: the other half of a store, beside the
 * session `Store` (store.ts) rather than inside it. A store that supports
 * topics exposes one as `store.topics` (memoryStore() and redisStore() do).
 *
 * ## The topic record
 *
 * | what      | meaning |
 * |-----------|---------|
 * | `epoch`   | an opaque string, new whenever the topic's numbering starts over (the record was lost: a restart, an expiry) |
 * | `offset`  | the offset of the last publication: 1, 2, 3… within the epoch |
 * | history   | the latest publications, at most `max`, none older than `ttl` ms |
 *
 * The record (epoch and offset) is kept {@link TOPIC_RECORD_TTL} after the
 * last publication (or `ttl`, if longer), so a topic that is quiet for a
 * while goes on with the same epoch. A topic never published (or forgotten)
 * reads as epoch `""` at offset 0: the position before everything, which
 * every epoch continues.
 *
 * ## Atomicity and order
 *
 * `publish` gives the next offset and stores the publication in one atomic
 * step (one Lua script with Redis), and tells every listener of the topic,
 * wherever it is, in offset order. Notifications are hints that carry the
 * publication: a listener that misses some (a dropped Pub/Sub link) notices
 * the jump in offsets, or is told with an `undefined` notification, and
 * reads the history to fill in.
 */

/** How long a topic's epoch and offset outlive its last publication, in ms (at least the history's `ttl`). */
export const TOPIC_RECORD_TTL = 86_400_000;

/** One publication as the history keeps it. */
export interface Publication {
  readonly epoch: string;
  readonly offset: number;
  /** The data as JSON text: written into frames as is. */
  readonly body: string;
}

/** Bounds of a topic's history (the server's `topics.history`). */
export interface HistoryLimits {
  /** Most publications kept (0: none, so nothing can be recovered). */
  readonly max: number;
  /** ms a publication is kept. */
  readonly ttl: number;
}

/** A position in a topic: the last publication seen (epoch `""`, offset 0: before everything). */
export interface TopicPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** Why the history cannot continue from a position. */
export type GapReason = "trimmed" | "epoch";

/** What `read` answers: the head, and the publications after the position asked for, or why not. */
export type HistoryRead =
  | { readonly epoch: string; readonly offset: number; readonly entries: readonly Publication[] }
  | { readonly epoch: string; readonly offset: number; readonly gap: GapReason };

/** Told of each publication of a topic, in offset order; `undefined`: some may have been missed, read the history. */
export type TopicListener = (publication: Publication | undefined) => void;

export interface TopicHistory {
  /** Numbers and stores a publication (`body`: JSON text), trims the history, tells the topic's listeners. */
  publish(topic: string, body: string, limits: HistoryLimits): Promise<TopicPosition>;
  /**
   * The head of `topic`; with `from`, also every publication after it, in
   * order, or a `gap`: `"epoch"` when `from` is of another epoch (or ahead
   * of the head), `"trimmed"` when the history no longer reaches back to it.
   * `from` at the head answers no entries.
   */
  read(topic: string, from: TopicPosition | undefined, limits: HistoryLimits): Promise<HistoryRead>;
  /** Starts telling `listener` about `topic`; resolves once it will hear every later publication. */
  listen(topic: string, listener: TopicListener): Promise<() => Promise<void>>;
  /** Releases timers and connections. */
  close(): Promise<void>;
}

/** True when `from` continues in `epoch`: the same epoch, or the position before everything. */
export const continues = (from: TopicPosition, epoch: string): boolean => from.epoch === epoch || (from.epoch === "" && from.offset === 0);
