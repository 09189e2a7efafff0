// Fakes for the share feature's unit tests: one "origin" whose tabs share
// Web Locks and BroadcastChannels. Channel messages are structured-cloned and
// delivered in microtasks, in order per sender, never to the sender itself,
// as browsers do. A tab can crash (its locks are released, its channels go
// silent) or freeze (it keeps its lock but hears and says nothing).
import type { ChannelLike, LockManagerLike } from "../../src/share/index.js";

type Options = { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal };

interface Request {
  readonly tab: FakeTab;
  readonly callback: (lock: unknown) => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface FakeTab {
  readonly locks: LockManagerLike;
  readonly BroadcastChannel: new (name: string) => ChannelLike;
  /**
   * The tab is gone without running any code: its locks are released, its channels hear and say nothing.
   * `losePosts`: what it posted and the others have not received yet is lost too, as Chromium has it for a
   * page torn down (its WebSocket, in another process, still sends what was written before).
   */
  crash(losePosts?: boolean): void;
  /** The tab stops running (a frozen page): it keeps its locks, its channels hear and say nothing. */
  freeze(): void;
  readonly dead: boolean;
  readonly frozen: boolean;
}

const abortError = () => Object.assign(new Error("aborted"), { name: "AbortError" });

export function createFakeOrigin() {
  const held = new Map<string, Request>();
  const queues = new Map<string, Request[]>();
  const channels = new Set<{ name: string; tab: FakeTab; deliver(data: unknown): void; closed: boolean }>();
  /** Every message posted, for assertions. */
  const posts: unknown[] = [];
  /** Channel messages posted from now on arrive on a later turn (setImmediate), after lock grants: a busy browser. */
  const timing = { slow: false };
  /** Posts of one tab held for others until released (see delay()). */
  const holds: Array<{ from: FakeTab; to: readonly FakeTab[]; held: Array<() => void> }> = [];

  const grant = (name: string, request: Request) => {
    held.set(name, request);
    void Promise.resolve()
      .then(() => request.callback({ name }))
      .then(
        (value) => release(name, request, () => request.resolve(value)),
        (error) => release(name, request, () => request.reject(error)),
      );
  };
  const release = (name: string, request: Request, settle: () => void) => {
    if (held.get(name) !== request) return; // stolen: already rejected
    held.delete(name);
    settle();
    next(name);
  };
  const next = (name: string) => {
    if (held.has(name)) return;
    const queue = queues.get(name) ?? [];
    const first = queue.shift();
    if (first) grant(name, first);
  };

  function tab(): FakeTab {
    let dead = false;
    let frozen = false;
    /** Its posts still on their way are dropped (crash(true)). */
    let lost = false;
    const self: FakeTab = {
      get dead() {
        return dead;
      },
      get frozen() {
        return frozen;
      },
      locks: {
        request(name: string, options: Options, callback: (lock: unknown) => unknown) {
          return new Promise((resolve, reject) => {
            const request: Request = { tab: self, callback, resolve, reject };
            const queue = queues.get(name) ?? [];
            queues.set(name, queue);
            if (options.steal) {
              const holder = held.get(name);
              held.delete(name);
              holder?.reject(abortError());
              return grant(name, request);
            }
            if (!held.has(name) && queue.length === 0) return grant(name, request);
            if (options.ifAvailable) {
              return void Promise.resolve()
                .then(() => callback(null))
                .then(resolve, reject);
            }
            queue.push(request);
            options.signal?.addEventListener("abort", () => {
              const at = queue.indexOf(request);
              if (at === -1) return;
              queue.splice(at, 1);
              reject(abortError());
            });
          });
        },
      },
      BroadcastChannel: class {
        readonly #me;
        #listeners: Array<(event: { data: unknown }) => void> = [];
        constructor(name: string) {
          this.#me = { name, tab: self, closed: false, deliver: (data: unknown) => this.#listeners.forEach((l) => l({ data })) };
          channels.add(this.#me);
        }
        postMessage(message: unknown) {
          if (this.#me.closed) throw new Error("posted on a closed channel");
          if (dead || frozen) return;
          posts.push(message);
          for (const other of channels) {
            if (other === this.#me || other.name !== this.#me.name) continue;
            const data = structuredClone(message);
            const deliver = () => !lost && !other.closed && !other.tab.dead && !other.tab.frozen && other.deliver(data);
            const hold = holds.find((h) => h.from === self && h.to.includes(other.tab));
            if (hold) hold.held.push(deliver);
            else if (timing.slow) setImmediate(deliver);
            else queueMicrotask(deliver);
          }
        }
        addEventListener(type: string, listener: (event: { data: unknown }) => void) {
          if (type === "message") this.#listeners.push(listener);
        }
        close() {
          this.#me.closed = true;
          channels.delete(this.#me);
        }
      },
      crash(losePosts = false) {
        dead = true;
        lost = losePosts;
        for (const [name, request] of held) if (request.tab === self) release(name, request, () => request.resolve(undefined));
        for (const [name, queue] of queues) {
          queues.set(
            name,
            queue.filter((r) => r.tab !== self),
          );
          next(name);
        }
      },
      freeze() {
        frozen = true;
      },
    };
    return self;
  }

  /**
   * What `from` posts from now on reaches the tabs `to` only when the returned
   * function is called (in order), as a busy tab reads the channel late; its
   * own other channels and the other tabs hear it as usual.
   */
  const delay = (from: FakeTab, ...to: FakeTab[]) => {
    const hold = { from, to, held: [] as Array<() => void> };
    holds.push(hold);
    return () => {
      holds.splice(holds.indexOf(hold), 1);
      for (const deliver of hold.held.splice(0)) queueMicrotask(deliver);
    };
  };

  return {
    tab,
    posts,
    timing,
    delay,
    /** Open channels (a closed client leaves none). */
    openChannels: () => channels.size,
    /** Who holds the lock `name`, if anyone. */
    holder: (name: string) => held.get(name)?.tab,
    /** Requests waiting for the lock `name`. */
    waiting: (name: string) => queues.get(name)?.length ?? 0,
  };
}
