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
  #held: Array<[string, unknown]> = [];
  #depth = 0;
  #dispatching = false;

  on(type: string, handler: Handler): void {
    const list = this.#handlers[type] ?? [];
    if (!list.includes(handler)) this.#handlers[type] = [...list, handler];
  }

  off(type: string, handler: Handler): void {
    const list = this.#handlers[type];
    if (list) this.#handlers[type] = list.filter((h) => h !== handler);
  }

  /** Delivers now, or after the current change (`batch`) or dispatch is complete. */
  emit(type: string, payload: unknown): void {
    this.#held.push([type, payload]);
    if (this.#depth === 0) this.#drain();
  }

  /** Runs `change`; events it raises are delivered when it (and any outer batch) returns. */
  batch<T>(change: () => T): T {
    this.#depth++;
    try {
      return change();
    } finally {
      if (--this.#depth === 0) this.#drain();
    }
  }

  #drain(): void {
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#held.shift(); next; next = this.#held.shift()) {
        const [type, payload] = next;
        for (const handler of this.#handlers[type] ?? []) {
          try {
            handler(payload);
          } catch (cause) {
            // an error handler that throws has nowhere left to report to
            if (type !== "error") this.emit("error", new LifelineError("HANDLER_ERROR", `a "${type}" handler threw: ${describe(cause)}`, { cause }));
          }
        }
      }
    } finally {
      this.#dispatching = false;
    }
  }
}
