// Typed events with two promises the plain emitters lack: a handler that
// throws never stops the others (its error becomes an `error` event), and
// events raised while the client is mid-change wait until the change is
// complete, so handlers (which may call back into the client) always see a
// consistent client; events they cause are delivered after, in order.
import { LifelineError, describe } from "./errors.js";

export type Handler = (event: any) => void;

export class Events {
  // copy-on-write lists: dispatch iterates without copying, and handlers may
  // subscribe or unsubscribe while an event is being dispatched
  #handlers: Record<string, Handler[]> = {};
  #held: Array<[string, unknown]> | undefined;
  #depth = 0;
  #dispatching = false;

  on(type: string, handler: Handler): void {
    const list = this.#handlers[type];
    // concat/literal allocate exactly what they hold (a spread grows a backing store of 17)
    if (!list?.includes(handler)) this.#handlers[type] = list ? list.concat([handler]) : [handler];
  }

  off(type: string, handler: Handler): void {
    const list = this.#handlers[type];
    if (list) this.#handlers[type] = list.filter((h) => h !== handler);
  }

  /** Delivers now, or after the current change (`batch`) or dispatch is complete. */
  emit(type: string, payload: unknown): void {
    if (this.#depth > 0 || this.#dispatching) (this.#held ??= []).push([type, payload]);
    else this.#run(type, payload);
  }

  /** Runs `change`; events it raises are delivered when it (and any outer batch) returns. */
  batch<T>(change: () => T): T {
    this.#depth++;
    try {
      return change();
    } finally {
      const next = --this.#depth === 0 && !this.#dispatching && this.#held?.shift();
      if (next) this.#run(next[0], next[1]);
    }
  }

  /** Dispatches one event, then every event held meanwhile, in order. */
  #run(type: string, payload: unknown): void {
    this.#dispatching = true;
    try {
      this.#call(type, payload);
      for (let next = this.#held?.shift(); next; next = this.#held?.shift()) this.#call(next[0], next[1]);
    } finally {
      this.#dispatching = false;
      // an idle client keeps no grown array behind
      if (this.#held?.length === 0) this.#held = undefined;
    }
  }

  #call(type: string, payload: unknown): void {
    for (const handler of this.#handlers[type] ?? NO_HANDLERS) {
      try {
        handler(payload);
      } catch (cause) {
        // an error handler that throws has nowhere left to report to
        if (type !== "error") this.emit("error", new LifelineError("HANDLER_ERROR", `a "${type}" handler threw: ${describe(cause)}`, { cause }));
      }
    }
  }
}

const NO_HANDLERS: Handler[] = [];
