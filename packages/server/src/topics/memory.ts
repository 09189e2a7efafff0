// Topic histories in this process's memory: the `topics` half of memoryStore().
import { platform } from "../platform.js";
import type { TimerHandle } from "../platform.js";
import { TOPIC_RECORD_TTL, continues } from "./history.js";
import type { HistoryLimits, HistoryRead, Publication, TopicHistory, TopicListener, TopicPosition } from "./history.js";

interface Kept {
  readonly offset: number;
  readonly body: string;
  readonly at: number;
}

interface Topic {
  readonly epoch: string;
  offset: number;
  /**
   * Oldest first; the history is `entries[head…]` (offsets `offset - kept + 1 … offset`).
   * The front is dropped by moving `head` and compacted now and then: a queue, O(1) per publication.
   */
  entries: Kept[];
  head: number;
  /** When the record may be forgotten (its last publication + max(ttl, TOPIC_RECORD_TTL)). */
  until: number;
  ttl: number;
}

/** How often idle histories are trimmed and forgotten records removed, at most. */
const SWEEP_EVERY = 60_000;

export class MemoryTopics implements TopicHistory {
  readonly #topics = new Map<string, Topic>();
  readonly #listeners = new Map<string, Set<TopicListener>>();
  /** Part of every epoch this object makes: another process (or a cleared store) never repeats one. */
  readonly #instance = platform.crypto.randomUUID().slice(0, 8);
  #epochs = 0;
  #timer: TimerHandle | undefined;

  /** Topic records held (for tests and dashboards). */
  get size(): number {
    return this.#topics.size;
  }

  async publish(topic: string, body: string, limits: HistoryLimits): Promise<TopicPosition> {
    const now = Date.now();
    let t = this.#live(topic, now);
    if (!t) {
      t = { epoch: `${this.#instance}.${(++this.#epochs).toString(36)}`, offset: 0, entries: [], head: 0, until: 0, ttl: limits.ttl };
      this.#topics.set(topic, t);
    }
    const offset = ++t.offset;
    t.until = now + Math.max(limits.ttl, TOPIC_RECORD_TTL);
    t.ttl = limits.ttl;
    if (limits.max > 0) t.entries.push({ offset, body, at: now });
    trim(t, limits.max, now);
    this.#schedule(limits.ttl);
    const publication: Publication = { epoch: t.epoch, offset, body };
    const listeners = this.#listeners.get(topic);
    // in a microtask, never inside publish's own call, like the Redis store's Pub/Sub; microtasks keep offset order
    if (listeners) platform.queueMicrotask(() => { for (const listener of [...listeners]) listener(publication); });
    return { epoch: t.epoch, offset };
  }

  async read(topic: string, from: TopicPosition | undefined, limits: HistoryLimits): Promise<HistoryRead> {
    const now = Date.now();
    const t = this.#live(topic, now);
    const head = { epoch: t?.epoch ?? "", offset: t?.offset ?? 0 };
    if (!from) return { ...head, entries: [] };
    if (!continues(from, head.epoch) || from.offset > head.offset) return { ...head, gap: "epoch" };
    if (!t || from.offset === head.offset) return { ...head, entries: [] };
    trim(t, limits.max, now);
    const first = t.offset - (t.entries.length - t.head) + 1;
    if (from.offset + 1 < first) return { ...head, gap: "trimmed" };
    const entries = t.entries.slice(t.head + from.offset + 1 - first).map((e) => ({ epoch: t.epoch, offset: e.offset, body: e.body }));
    return { ...head, entries };
  }

  async listen(topic: string, listener: TopicListener): Promise<() => Promise<void>> {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return async () => {
      if (!set.delete(listener) || set.size > 0) return;
      if (this.#listeners.get(topic) === set) this.#listeners.delete(topic);
    };
  }

  /** Forgets every topic, as a restarted process would (new epochs from here on). */
  clear(): void {
    this.#topics.clear();
  }

  async close(): Promise<void> {
    this.#topics.clear();
    this.#listeners.clear();
    if (this.#timer !== undefined) platform.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #live(topic: string, now: number): Topic | undefined {
    const t = this.#topics.get(topic);
    if (t && t.until <= now) {
      this.#topics.delete(topic);
      return undefined;
    }
    return t;
  }

  /** One timer for every topic: trims idle histories by ttl and forgets records past their time. */
  #schedule(ttl: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = platform.setTimeout(() => this.#sweep(), Math.min(ttl, SWEEP_EVERY));
    if (typeof this.#timer === "object") this.#timer.unref?.();
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = Date.now();
    let ttl = Infinity;
    for (const [topic, t] of this.#topics) {
      if (t.until <= now) this.#topics.delete(topic);
      else {
        trim(t, Infinity, now);
        ttl = Math.min(ttl, t.ttl);
      }
    }
    if (ttl < Infinity) this.#schedule(ttl);
  }
}

/** Drops what is beyond `max` or older than the topic's ttl. */
function trim(t: Topic, max: number, now: number): void {
  const { entries } = t;
  t.head = Math.max(t.head, entries.length - max);
  const oldest = now - t.ttl;
  while (t.head < entries.length && (entries[t.head] as Kept).at <= oldest) t.head++;
  // compact once the dropped front is as long as what is kept
  if (t.head > 32 && t.head * 2 > entries.length) {
    t.entries = entries.slice(t.head);
    t.head = 0;
  }
}
