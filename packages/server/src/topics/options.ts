// The server options of topics, their defaults and their checks.

/** What `canSubscribe` is told. */
export interface SubscribeContext {
  /**
   * The user of the connection (`accept(ws, { user })`), or `undefined` for
   * a connection without one.
   */
  readonly user: string | undefined;
  /** The session of the connection asking. */
  readonly session: string;
  /** The topic asked for. */
  readonly topic: string;
}

/** Whether a connection may follow a topic; runs on every (re)subscribe, so a permission taken away applies at the next one. */
export type CanSubscribe = (context: SubscribeContext) => boolean | Promise<boolean>;

export interface TopicsOptions {
  /** What each topic keeps for subscribers that come back. */
  history?: {
    /**
     * Most publications kept per topic (0: none: a subscriber that comes back after missing any gets `gap`).
     * @default 1_000
     */
    max?: number;
    /**
     * ms a publication is kept.
     * @default 300_000
     */
    ttl?: number;
  };
}

export interface ResolvedTopics {
  readonly history: { readonly max: number; readonly ttl: number };
  readonly canSubscribe: CanSubscribe | undefined;
}

export const TOPIC_DEFAULTS = { history: { max: 1_000, ttl: 300_000 } } as const;

/** Merges with TOPIC_DEFAULTS once and validates eagerly, naming the bad option. */
export function resolveTopics(topics: TopicsOptions | undefined, canSubscribe: CanSubscribe | undefined): ResolvedTopics {
  if (topics !== undefined && (typeof topics !== "object" || topics === null)) throw new TypeError(`topics must be an object, got ${String(topics)}`);
  const history = topics?.history;
  if (history !== undefined && (typeof history !== "object" || history === null)) {
    throw new TypeError(`topics.history must be an object, got ${String(history)}`);
  }
  const max = history?.max ?? TOPIC_DEFAULTS.history.max;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 0) throw new TypeError(`topics.history.max must be an integer >= 0, got ${String(max)}`);
  const ttl = history?.ttl ?? TOPIC_DEFAULTS.history.ttl;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl <= 0) throw new TypeError(`topics.history.ttl must be a positive integer of ms, got ${String(ttl)}`);
  if (canSubscribe !== undefined && typeof canSubscribe !== "function") {
    throw new TypeError(`canSubscribe must be a function, got ${typeof canSubscribe}`);
  }
  return { history: { max, ttl }, canSubscribe };
}
