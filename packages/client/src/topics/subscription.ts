// One handle returned by subscribe(): its own handlers (a publication is
// `message (data, { offset })`), its schema, and async iteration. A handle
// knows nothing of the wire: its topic (wire.ts) calls `deliver`, `tell`
// and `end`.
import { LifelineError } from "../core/errors.js";
import type { StandardSchemaV1 } from "../core/types.js";

/** The events of a subscription, with their handlers' arguments. */
export interface SubscriptionEvents<T> {
  /** A publication, once, in offset order. */
  message: (data: T, meta: { readonly offset: number }) => void;
  /** Publications were lost to this subscriber (the history did not reach back): resynchronise. */
  gap: (event: { readonly reason: "trimmed" | "epoch" }) => void;
  /** The server took the subscription; `recovered`: what was published during an absence follows. */
  subscribed: (event: { readonly recovered: boolean }) => void;
  /** `FORBIDDEN`, `SUBSCRIBE_FAILED`, or `INVALID_MESSAGE` for a publication the schema rejects (the line stays up). */
  error: (error: LifelineError) => void;
}

/** What `subscribe()` returns. */
export interface Subscription<T = unknown> extends AsyncIterable<T> {
  readonly topic: string;
  /** Adds a handler; returns the function that removes it. */
  on<K extends keyof SubscriptionEvents<T>>(type: K, handler: SubscriptionEvents<T>[K]): () => void;
  off<K extends keyof SubscriptionEvents<T>>(type: K, handler: SubscriptionEvents<T>[K]): void;
  /** Stops this handle (the topic is left on the wire when its last handle stops); ends its iteration. */
  unsubscribe(): void;
}

/** What a handle needs of the client (the extension contract's `Line` fits). */
export interface Owner {
  /** Validates with `schema`: `done` with the value, or `fail` (the client's `invalid` event was emitted). */
  check(data: unknown, value: unknown, schema: StandardSchemaV1, done: (value: unknown) => void, fail: (error: Error) => void): void | Promise<void>;
  /** An error no handler of the handle hears goes to the client's `error` event. */
  emit(type: "error", error: LifelineError): void;
}

type Fn = (...args: any[]) => void;

/** A handle as its topic (wire.ts) drives it. */
export interface Handle extends Subscription {
  /** A publication for this handle: validated by its schema, emitted in order. */
  deliver(data: unknown, offset: number): void;
  /** Emits to the handle's handlers; a handler that throws does not stop the others. */
  tell(type: keyof SubscriptionEvents<unknown> | "end", ...args: unknown[]): void;
  /** Iteration ends (with `error`, it throws); `final`: the handle is done too, else only iteration (the client closed). */
  end(error?: LifelineError, final?: boolean): void;
}

export function createHandle(topic: string, owner: Owner, schema: StandardSchemaV1 | undefined, leave: (handle: Handle) => void): Handle {
  /** Handlers by event; iterators listen to `message` and to the internal `end`. */
  const handlers: Record<string, Fn[]> = {};
  /** Once a schema answered asynchronously: the publications before, which later ones wait for. */
  let tail: Promise<unknown> | undefined;
  let ended = false;
  const handle: Handle = {
    topic,
    on(type: string, handler: Fn) {
      (handlers[type] ??= []).push(handler);
      return () => handle.off(type as "message", handler);
    },
    off(type: string, handler: Fn) {
      handlers[type] = handlers[type]?.filter((h) => h !== handler) ?? [];
    },
    unsubscribe() {
      if (!ended) leave(handle);
      handle.end();
    },
    deliver(data, offset) {
      const emit = (value: unknown) => void (ended || handle.tell("message", value, { offset }));
      const step = () =>
        schema ? owner.check(data, data, schema, emit, (cause) => handle.tell("error", new LifelineError("INVALID_MESSAGE", topic, { cause }))) : emit(data);
      // an async schema: later publications wait for the earlier ones
      tail = (tail ? tail.then(step) : step()) as Promise<unknown> | undefined;
    },
    tell(type, ...args) {
      const list = handlers[type] ?? [];
      if (type === "error" && !list.length) return owner.emit("error", args[0] as LifelineError);
      for (const handler of list) {
        try {
          handler(...args);
        } catch (cause) {
          owner.emit("error", new LifelineError("HANDLER_ERROR", type, { cause }));
        }
      }
    },
    end(error, final = true) {
      ended ||= final;
      handle.tell("end", error);
    },
    async *[Symbol.asyncIterator]() {
      const buffer: unknown[] = [];
      let wake = () => {};
      let done = ended;
      let failure: Error | undefined;
      const offs = [
        handle.on("message", (value: unknown) => (buffer.push(value), wake())),
        handle.on("end" as "message", (error?: unknown) => ((done = true), (failure = error as Error), wake())),
      ];
      try {
        for (;;) {
          if (buffer.length) yield buffer.shift();
          else if (done) {
            if (failure) throw failure;
            return;
          } else await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        for (const off of offs) off();
      }
    },
  };
  return handle;
}
