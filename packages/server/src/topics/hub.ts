// Topics on one server node: each connection's subscriptions, the feeds
// (one per topic with a local subscriber, see feed.ts), `canSubscribe`, and
// `publish()`. The connection hands it `sub`/`unsub` frames and tells it when
// its subscriptions end (a reset, the socket closed).
import { Feed } from "./feed.js";
import type { Subscriber } from "./feed.js";
import { refusedFrame } from "./frames.js";
import type { RefusalCode, TopicFrame } from "./frames.js";
import { MAX_TOPIC_LENGTH } from "./frames.js";
import type { TopicHistory } from "./history.js";
import type { ResolvedTopics } from "./options.js";

/** Topics a connection may follow at once; one more is refused with `LIMIT`. */
export const MAX_TOPICS_PER_CONNECTION = 1_000;

/** What the hub needs of a connection (implemented by connection.ts). */
export interface TopicConnection {
  /** The session it speaks for (set while it may subscribe). */
  readonly session: string | undefined;
  /** The user it was accepted for; `undefined`: anonymous. */
  readonly user: string | undefined;
  /** Its socket holds more than `limits.bufferedBytes`: stop writing publications until it drained. */
  readonly congested: boolean;
  /** Calls `resume` once the socket drained (or closed). */
  whenDrained(resume: () => void): void;
  /** Writes a frame when the connection still speaks for a session; drops it otherwise. */
  write(text: string): void;
  /** The store failed while serving it: closes it with 1011 (the client resumes from its offsets). */
  fail(error: unknown): void;
}

/** What `publish()` answers. */
export type PublishResult =
  /** Stored as publication `offset` of `epoch`; every subscriber gets it. */
  | { readonly ok: true; readonly offset: number; readonly epoch: string }
  /** Not published: the server is closed. */
  | { readonly ok: false; readonly reason: "closed" };

export class TopicHub {
  readonly #history: TopicHistory | undefined;
  readonly #options: ResolvedTopics;
  readonly #onError: (error: unknown, session: string | undefined) => void;
  readonly #feeds = new Map<string, Feed>();
  readonly #subscriptions = new Map<TopicConnection, Map<string, { feed: Feed; subscriber: Subscriber }>>();

  constructor(history: TopicHistory | undefined, options: ResolvedTopics, onError: (error: unknown, session: string | undefined) => void) {
    this.#history = history;
    this.#options = options;
    this.#onError = onError;
  }

  /** Topics with a subscriber on this node. */
  get topics(): number {
    return this.#feeds.size;
  }

  async publish(topic: string, data: unknown): Promise<PublishResult> {
    if (typeof topic !== "string" || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
      throw new TypeError(`topic must be a string of 1-${MAX_TOPIC_LENGTH} chars, got ${String(topic)}`);
    }
    const body = JSON.stringify(data);
    if (body === undefined) throw new TypeError(`data must be JSON-serialisable, got ${typeof data}`);
    if (!this.#history) throw new Error("@lifeline/server: the store has no topic history (memoryStore() and redisStore() have one)");
    const { epoch, offset } = await this.#history.publish(topic, body, this.#options.history);
    return { ok: true, offset, epoch };
  }

  /** A `sub` or `unsub` from a connection that speaks for a session; resolves once it was answered. */
  async frame(conn: TopicConnection, frame: TopicFrame): Promise<void> {
    if (frame.t === "unsub") return this.#drop(conn, frame.topic);
    const { topic } = frame;
    const mine = this.#subscriptions.get(conn);
    if (!mine?.has(topic) && (mine?.size ?? 0) >= MAX_TOPICS_PER_CONNECTION) return this.#refuse(conn, topic, "LIMIT");
    if (!this.#history) return this.#refuse(conn, topic, "UNAVAILABLE");
    const session = conn.session as string;
    let allowed = true;
    if (this.#options.canSubscribe) {
      try {
        allowed = (await this.#options.canSubscribe({ user: conn.user, session, topic })) === true;
      } catch (error) {
        this.#onError(error, session);
        return this.#refuse(conn, topic, "UNAVAILABLE");
      }
      if (conn.session !== session) return; // reset or closed meanwhile
    }
    if (!allowed) return this.#refuse(conn, topic, "FORBIDDEN");
    this.#drop(conn, topic);
    let feed = this.#feeds.get(topic);
    if (!feed) this.#feeds.set(topic, (feed = new Feed(topic, this.#history, this.#options.history, (f) => this.#ended(f))));
    const subscriber: Subscriber = {
      write: (text) => conn.write(text),
      fail: (error) => conn.fail(error),
      congested: () => conn.congested,
      whenDrained: (resume) => conn.whenDrained(resume),
      gone: false,
    };
    let map = this.#subscriptions.get(conn);
    if (!map) this.#subscriptions.set(conn, (map = new Map()));
    map.set(topic, { feed, subscriber });
    await feed.join(subscriber, frame.from);
  }

  /** Ends every subscription of `conn` (its session was reset, or it closed). */
  leave(conn: TopicConnection): void {
    const mine = this.#subscriptions.get(conn);
    if (!mine) return;
    this.#subscriptions.delete(conn);
    for (const { feed, subscriber } of mine.values()) feed.leave(subscriber);
  }

  async close(): Promise<void> {
    for (const conn of [...this.#subscriptions.keys()]) this.leave(conn);
  }

  #refuse(conn: TopicConnection, topic: string, code: RefusalCode): void {
    // a refused sub also ends an earlier subscription to the topic (a permission taken away)
    this.#drop(conn, topic);
    conn.write(refusedFrame(topic, code));
  }

  #drop(conn: TopicConnection, topic: string): void {
    const mine = this.#subscriptions.get(conn);
    const found = mine?.get(topic);
    if (!found) return;
    mine!.delete(topic);
    if (mine!.size === 0) this.#subscriptions.delete(conn);
    found.feed.leave(found.subscriber);
  }

  #ended(feed: Feed): void {
    if (this.#feeds.get(feed.topic) === feed) this.#feeds.delete(feed.topic);
  }
}
