// Typed events with two promises the plain emitters lack: a handler that
// throws never stops the others (its error becomes an `error` event), and
// events raised while the client is mid-change wait until the change is
// complete, so handlers (which may call back into the client) always see a
// consistent client; events they cause are delivered after, in order.
import { LifelineError, describe } from "./errors.js";

export type Handler = (event: any) => void;

export class Events {
  // one flat copy-on-write list, [type, handler, type, handler, …]: a client
  // with two handlers holds one small array rather than a map of arrays;
  // dispatch iterates without copying, and handlers may subscribe or
  // unsubscribe while an event is being dispatched
  #list: ReadonlyArray<string | Handler> = NO_HANDLERS;
  #held: Array<[string, unknown]> | undefined;
  #depth = 0;
  #dispatching = false;

  on(type: string, handler: Handler): void {
    if (this.#find(type, handler) < 0) this.#list = this.#list.concat(type, handler);
  }

  off(type: string, handler: Handler): void {
    const list = this.#list;
    const at = this.#find(type, handler);
    if (at >= 0) this.#list = list.slice(0, at).concat(list.slice(at + 2));
  }

  #find(type: string, handler: Handler): number {
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) if (list[i] === type && list[i + 1] === handler) return i;
    return -1;
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
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] !== type) continue;
      try {
        (list[i + 1] as Handler)(payload);
      } catch (cause) {
        // an error handler that throws has nowhere left to report to
        if (type !== "error") this.emit("error", new LifelineError("HANDLER_ERROR", `a "${type}" handler threw: ${describe(cause)}`, { cause }));
      }
    }
  }
}

const NO_HANDLERS: ReadonlyArray<string | Handler> = [];
