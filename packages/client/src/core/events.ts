// Typed events on mitt, with what a client needs beyond it: a handler that
// throws never stops the others (its error becomes an `error` event);
// events raised while the client is mid-change wait until the change is
// complete, so handlers (which may call back into the client) see a
// consistent client, and events they cause come after, in order; events of
// createClient() itself are held until the caller could attach handlers
// (the next microtask, or the client's next change, whichever is first).
// An `error` that no handler hears is written to the console in
// development builds, once per code per client; `debug` logs there too.
//
// The client is its own emitter (it extends this class): one object per
// client, and the features get the client's emit/on/off as their Emitter.
import mitt from "mitt";
import { LifelineError, describe } from "./errors.js";

export type Handler = (event: any) => void;

/** The events a `debug` line is written for. */
const LOGGED = ["state", "open", "close", "reconnecting", "drop", "error"];

export class Events {
  /**
   * mitt's handler map. Only the map is kept per client: `on()` attaches
   * through a mitt made over it for that call (rare), which spares every
   * client mitt's emitter object and its three closures (~270 B).
   */
  readonly #all = new Map<string, Handler[]>();
  /** Events waiting for the change under way (or the hold) to end, in order. */
  #queue: Array<[string, unknown]> | undefined;
  /** 0 nothing under way, 1 a change or a dispatch, 2 createClient's events held: events wait while it is not 0. */
  #busy = 1;
  /** Development builds: codes already written to the console as unheard, and `debug`'s writer. */
  declare warned: string[] | undefined;
  declare log: ((line: string) => void) | undefined;

  /** Subscribes (once per type and handler); returns the unsubscribe function. */
  on(type: string, handler: Handler): () => void {
    if (!this.#all.get(type)?.includes(handler)) mitt<Record<string, unknown>>(this.#all as never).on(type, handler);
    return () => this.off(type, handler);
  }

  off(type: string, handler: Handler): void {
    const handlers = this.#all.get(type);
    // a new list rather than a splice: a dispatch under way walks the old one unchanged
    if (handlers) this.#all.set(type, handlers.filter((h) => h !== handler));
  }

  /** Delivers now, or after the current change, dispatch or hold. @internal */
  emit(type: string, payload: unknown): void {
    if (this.#busy) (this.#queue ??= []).push([type, payload]);
    else {
      // nothing under way (a message): delivered at once, without a queue entry, then what its handlers raised
      this.#busy = 1;
      this.#dispatch(type, payload);
      this.#drain();
    }
  }

  /** Runs `change`; events it raises are delivered when it (and any outer change) returns. createClient's hold ends here. */
  protected run<T>(change: () => T): T {
    const outer = this.#busy === 1;
    this.#busy = 1;
    try {
      return change();
    } finally {
      if (!outer) this.#drain();
    }
  }

  /** createClient is done: its events wait for the next microtask, or the client's next change, whichever is first. */
  protected hold(): void {
    this.#busy = 2;
    queueMicrotask(() => this.#busy > 1 && this.#drain());
  }

  /** Dispatches every event waiting, and those raised meanwhile, in order (#dispatch never throws: it reports what handlers throw). */
  #drain(): void {
    this.#busy = 1;
    for (let next; (next = this.#queue?.shift()); ) this.#dispatch(next[0], next[1]);
    // an idle client keeps no grown array behind
    this.#queue = undefined;
    this.#busy = 0;
  }

  /**
   * Calls the handlers of one event: our own loop, not mitt's emit, so a
   * handler that throws does not stop the others. `off()` replaces a list
   * and `on()` appends, so walking the list as it was at the start (its
   * length then) is safe against both without a copy per event.
   */
  #dispatch(type: string, payload: unknown): void {
    // never for a message: reading process.env costs per read where nothing folded it (Node running dist/ as it is)
    if (type !== "message" && (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production") tell(this, !!this.#all.get("error")?.length, type, payload);
    const handlers = this.#all.get(type);
    if (handlers)
      for (let i = 0, n = handlers.length; i < n; i++) {
        try {
          handlers[i]!(payload);
        } catch (cause) {
          // an error handler that throws has nowhere left to report to
          if (type !== "error") this.emit("error", new LifelineError("HANDLER_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `a "${type}" handler threw: ${describe(cause)}` : `${type} ${describe(cause)}`, { cause }));
        }
      }
  }
}

/** Development builds only (referenced from a branch production builds drop): the `debug` line, and the console for an `error` nobody hears. */
function tell(events: Events, heard: boolean, type: string, payload: any): void {
  if (events.log && LOGGED.includes(type)) {
    try {
      events.log(`lifeline ${type} ${payload instanceof Error ? `${(payload as LifelineError).code}: ${payload.message}` : JSON.stringify(payload)}`);
    } catch {
      // a logger that throws must not stop the dispatch (#run has no finally to recover from it)
    }
  }
  if (type === "error" && !heard && !events.warned?.includes(payload.code)) {
    (events.warned ??= []).push(payload.code);
    console.warn(`lifeline: unhandled error ${payload.code}: ${payload.message} (add client.on("error", …) to handle it; shown once per code)`);
  }
}
