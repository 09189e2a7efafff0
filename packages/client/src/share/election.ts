// Who leads: the tab holding the Web Lock `lifeline:<name>`. A tab first asks
// with `ifAvailable` (so it learns at once whether it follows), then queues
// for the lock; the browser grants it to the next tab when the holder closes,
// crashes or lets go. A follower may steal it from a leader that stopped
// answering (a frozen tab); the robbed leader learns it and follows.

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => unknown): Promise<unknown>;
}

/** This tab's place in the election for one lock. */
export interface Election {
  /** Takes the lock from a holder that does not answer. */
  steal(): void;
  /** Lets go of the lock, or stops waiting for it. */
  leave(): void;
}

/**
 * Joins the election for the lock `name`: asks without waiting (to know at
 * once whether another tab leads), then queues for it.
 * `lead`: this tab holds the lock (granted, or taken by force from a holder that seemed frozen);
 * `fail`: the lock cannot be had at all here (an opaque origin's SecurityError): nothing can be shared.
 */
export function elect(locks: LockManagerLike, name: string, on: { lead(): void; follow(): void; fail(): void }): Election {
  let left = false;
  let holding = false;
  let release: (() => void) | undefined;
  let waiting: AbortController | undefined;

  const hold = (): Promise<void> | undefined => {
    if (left) return undefined;
    holding = true;
    on.lead();
    // held until leave() (or until another tab steals it)
    return new Promise<void>((resolve) => (release = resolve));
  };

  const ask = (options: { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal }, granted: (lock: unknown) => unknown) => {
    let mine = false;
    let answered = false;
    const request = () =>
      locks.request(name, options, (lock) => {
        answered = true;
        if (lock) mine = true;
        return granted(lock);
      });
    // a request that throws at once is refused like one that rejects
    new Promise((resolve) => resolve(request())).catch(() => {
      // rejected: aborted by us (nothing to do), the lock we held was stolen, or locks are refused here
      if (!answered && !left && !options.signal) return on.fail();
      if (!mine || left || !holding) return;
      holding = false;
      release = undefined;
      on.follow();
      queue();
    });
  };

  const queue = () => {
    waiting = new AbortController();
    ask({ signal: waiting.signal }, hold);
  };

  ask({ ifAvailable: true }, (lock) => {
    if (lock) return hold();
    if (left) return;
    on.follow();
    queue();
  });

  return {
    steal() {
      if (left || holding) return;
      waiting?.abort();
      ask({ steal: true }, hold);
    },
    leave() {
      left = true;
      holding = false;
      waiting?.abort();
      release?.();
      release = undefined;
    },
  };
}
