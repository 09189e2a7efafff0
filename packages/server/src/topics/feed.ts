// One topic on one node: hears the topic's publications once (one listener
// on the history, whatever the number of local subscribers) and writes each
// to every local subscriber, in offset order. Everything a feed does runs on
// one promise chain, so a subscriber that joins with a position gets the
// history up to the feed's own position and then the live publications,
// with nothing in between lost or repeated. A subscriber whose socket is
// congested (more than `limits.bufferedBytes` unsent) is skipped until it
// drained, then caught up from the history, like a resubscribe: memory
// stays flat whatever a slow reader does, and what the history no longer
// holds is announced with a gap.
import type { GapReason, HistoryLimits, HistoryRead, Publication, TopicHistory, TopicPosition } from "./history.js";
import { gapFrame, pubFrame, subscribedFrame } from "./frames.js";

/** A local subscription, as a feed sees it. */
export interface Subscriber {
  /** Writes one frame to the subscriber's connection. */
  write(text: string): void;
  /** The store failed while serving it: its connection closes (the client resumes from its offset). */
  fail(error: unknown): void;
  /** Its socket holds more than `limits.bufferedBytes`. */
  congested(): boolean;
  /** Calls `resume` once the socket drained (or closed). */
  whenDrained(resume: () => void): void;
  /** Unsubscribed (or replaced) before it joined: the join does nothing. */
  gone: boolean;
  /** Set while congested: the last publication written to it; it is caught up from there when it drained. */
  paused?: TopicPosition | undefined;
}

export class Feed {
  readonly topic: string;
  readonly #history: TopicHistory;
  readonly #limits: HistoryLimits;
  /** Called when the feed has no subscriber left and stopped listening. */
  readonly #ended: (feed: Feed) => void;
  /** What every current subscriber has been written up to. */
  #epoch = "";
  #last = 0;
  readonly #subscribers = new Set<Subscriber>();
  /** Joins queued and not yet done: the feed must not end under them. */
  #joining = 0;
  #tail: Promise<void> = Promise.resolve();
  #off: (() => Promise<void>) | undefined;
  /** Listening or reading failed: the feed ends, its subscribers fail. */
  #broken: unknown;

  constructor(topic: string, history: TopicHistory, limits: HistoryLimits, ended: (feed: Feed) => void) {
    this.topic = topic;
    this.#history = history;
    this.#limits = limits;
    this.#ended = ended;
    this.#enqueue(async () => {
      // listen before reading the head: a publication between the two is heard, and dropped as already counted
      this.#off = await this.#history.listen(topic, (p) => this.#enqueue(() => (p ? this.#live(p) : this.#resync())));
      const head = await this.#history.read(topic, undefined, this.#limits);
      this.#epoch = head.epoch;
      this.#last = head.offset;
    });
  }

  /**
   * Adds a subscriber: from the head (`from` undefined), or after `from`
   * when the history still has everything since (else a `gap` first).
   * Resolves once its `subscribed` (and any replay) was written.
   */
  join(subscriber: Subscriber, from: TopicPosition | undefined): Promise<void> {
    this.#joining++;
    return this.#enqueue(async () => {
      try {
        if (this.#broken !== undefined) subscriber.fail(this.#broken);
        else if (!subscriber.gone) await this.#join(subscriber, from, true);
      } finally {
        this.#joining--;
        this.#endIfIdle();
      }
    }, true);
  }

  leave(subscriber: Subscriber): void {
    subscriber.gone = true;
    if (this.#subscribers.delete(subscriber) && this.#subscribers.size === 0) void this.#enqueue(() => this.#endIfIdle());
  }

  /** Runs `step` after every step before it; once the feed ended, only steps that run `always`. */
  #enqueue(step: () => Promise<void> | void, always = false): Promise<void> {
    const run = this.#tail.then(async () => {
      if (this.#broken !== undefined && !always) return;
      try {
        await step();
      } catch (error) {
        this.#break(error);
      }
    });
    this.#tail = run;
    return run;
  }

  async #join(subscriber: Subscriber, from: TopicPosition | undefined, retry: boolean): Promise<void> {
    const here = { epoch: this.#epoch, offset: this.#last };
    if (from === undefined) {
      subscriber.write(subscribedFrame(this.topic, here, false));
    } else {
      let read: HistoryRead;
      try {
        read = await this.#history.read(this.topic, from, this.#limits);
      } catch (error) {
        return subscriber.fail(error);
      }
      if (read.epoch !== this.#epoch && retry) {
        // the store moved to another epoch that this feed has not heard of yet: catch up, then answer
        await this.#resync();
        return this.#join(subscriber, from, false);
      }
      if ("gap" in read || read.epoch !== this.#epoch) {
        subscriber.write(gapFrame(this.topic, "gap" in read ? read.gap : "epoch", here));
        subscriber.write(subscribedFrame(this.topic, here, false));
      } else {
        subscriber.write(subscribedFrame(this.topic, { epoch: this.#epoch, offset: from.offset }, true));
        this.#replay(subscriber, read.entries, from.offset);
      }
    }
    this.#subscribers.add(subscriber);
  }

  /** Writes the entries up to this feed's position (the rest is on its way to the feed: it comes live); pauses on congestion. */
  #replay(subscriber: Subscriber, entries: readonly Publication[], after: number): void {
    let written = after;
    for (const p of entries) {
      if (p.offset > this.#last) break;
      subscriber.write(pubFrame(this.topic, p));
      written = p.offset;
      if (subscriber.congested()) return this.#pause(subscriber, { epoch: this.#epoch, offset: written });
    }
  }

  #pause(subscriber: Subscriber, at: TopicPosition): void {
    subscriber.paused = at;
    subscriber.whenDrained(() => void this.#enqueue(() => this.#resume(subscriber)));
  }

  /** A congested subscriber drained: what it missed from the history, or a gap. */
  async #resume(subscriber: Subscriber): Promise<void> {
    const at = subscriber.paused;
    if (!at || subscriber.gone || !this.#subscribers.has(subscriber)) return;
    subscriber.paused = undefined;
    const here = { epoch: this.#epoch, offset: this.#last };
    if (at.epoch === here.epoch && at.offset === here.offset) return;
    let read: HistoryRead;
    try {
      read = await this.#history.read(this.topic, at, this.#limits);
    } catch (error) {
      return subscriber.fail(error);
    }
    if ("gap" in read || read.epoch !== this.#epoch) subscriber.write(gapFrame(this.topic, "gap" in read ? read.gap : "epoch", here));
    else this.#replay(subscriber, read.entries, at.offset);
  }

  /** A publication heard from the store. */
  async #live(p: Publication): Promise<void> {
    const same = p.epoch === this.#epoch || (this.#epoch === "" && this.#last === 0);
    if (same && p.offset <= this.#last) return; // counted by the head read, or heard again
    if (same && p.offset === this.#last + 1) return this.#deliver(p);
    // a jump: some were not heard (the Pub/Sub link dropped them), or the epoch changed
    await this.#resync();
  }

  /** Reads what this feed may have missed and writes it, or announces a gap and goes on from the head. */
  async #resync(): Promise<void> {
    const read = await this.#history.read(this.topic, { epoch: this.#epoch, offset: this.#last }, this.#limits);
    if ("gap" in read) return this.#gap(read.gap, read);
    // entries continue the feed's position (the same epoch, or the first one after "" at 0)
    for (const p of read.entries) if (p.offset > this.#last || p.epoch !== this.#epoch) this.#deliver(p);
  }

  #deliver(p: Publication): void {
    this.#epoch = p.epoch;
    this.#last = p.offset;
    if (this.#subscribers.size === 0) return;
    const frame = pubFrame(this.topic, p);
    for (const subscriber of this.#subscribers) {
      if (subscriber.paused) continue;
      subscriber.write(frame);
      if (subscriber.congested()) this.#pause(subscriber, p);
    }
  }

  #gap(reason: GapReason, head: TopicPosition): void {
    this.#epoch = head.epoch;
    this.#last = head.offset;
    const frame = gapFrame(this.topic, reason, head);
    // a paused subscriber learns of it when it resumes (its position is no longer in the history)
    for (const subscriber of this.#subscribers) if (!subscriber.paused) subscriber.write(frame);
  }

  #endIfIdle(): void {
    if (this.#subscribers.size > 0 || this.#joining > 0 || this.#broken !== undefined) return;
    this.#broken = null; // ended: later steps do nothing
    this.#ended(this);
    const off = this.#off;
    this.#off = undefined;
    void off?.().catch(() => {});
  }

  #break(error: unknown): void {
    if (this.#broken !== undefined) return;
    this.#broken = error ?? null;
    this.#ended(this);
    void this.#off?.().catch(() => {});
    this.#off = undefined;
    for (const subscriber of this.#subscribers) subscriber.fail(error);
    this.#subscribers.clear();
  }
}
