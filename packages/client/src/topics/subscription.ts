// One handle returned by subscribe(): its own events (a publication is
// `message (data, { offset })`), its schema, and async iteration. Handles
// know nothing of the wire: the topic they belong to (wire.ts) calls
// `deliver`, `tell` and `end`.
import { LifelineError } from "../core/errors.js";
import type { StandardSchemaV1 } from "../core/schema.js";

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
  [Symbol.dispose](): void;
}

/** What a handle needs from its topic. */
export interface Owner {
  /** Validates with `schema`; `done` with the value, or `fail` (the client's `invalid` event was emitted). */
  check(data: unknown, schema: StandardSchemaV1, done: (value: unknown) => void, fail: (error: Error) => void): void | Promise<void>;
  /** An error no handler of the handle hears goes to the client's `error` event. */
  report(error: LifelineError): void;
  leave(handle: Handle): void;
}

type Fn = (...args: any[]) => void;

export class Handle implements Subscription {
  readonly topic: string;
  readonly #owner: Owner;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #handlers = new Map<string, Fn[]>();
  /** Holds later publications while an async schema checks an earlier one. */
  #tail: Promise<void> | undefined;
  /** Iterators reading this handle. */
  readonly #readers = new Set<(value: unknown, error?: Error, done?: boolean) => void>();
  #ended = false;

  constructor(topic: string, owner: Owner, schema: StandardSchemaV1 | undefined) {
    this.topic = topic;
    this.#owner = owner;
    this.#schema = schema;
  }

  on(type: string, handler: Fn): () => void {
    this.#handlers.set(type, [...(this.#handlers.get(type) ?? []), handler]);
    return () => this.off(type, handler);
  }

  off(type: string, handler: Fn): void {
    this.#handlers.set(type, (this.#handlers.get(type) ?? []).filter((h) => h !== handler));
  }

  unsubscribe(): void {
    if (this.#ended) return;
    this.#owner.leave(this);
    this.end();
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }

  /** A publication for this handle, validated by its schema, in order. */
  deliver(data: unknown, offset: number): void {
    if (this.#ended) return;
    const schema = this.#schema;
    const emit = (value: unknown) => {
      this.tell("message", value, { offset });
      for (const read of this.#readers) read(value);
    };
    if (!schema) return emit(data);
    const step = () =>
      this.#owner.check(data, schema, emit, (cause) =>
        this.tell("error", new LifelineError("INVALID_MESSAGE", `a publication of "${this.topic}" failed its schema`, { cause })),
      );
    if (this.#tail) {
      this.#tail = this.#tail.then(step);
      return;
    }
    const pending = step();
    if (pending) {
      const tail: Promise<void> = pending.then(() => {
        if (this.#tail === tail) this.#tail = undefined;
      });
      this.#tail = tail;
    }
  }

  /** Emits to this handle's handlers; a handler that throws does not stop the others. */
  tell(type: keyof SubscriptionEvents<unknown>, ...args: unknown[]): void {
    const handlers = this.#handlers.get(type) ?? [];
    if (type === "error" && handlers.length === 0) return this.#owner.report(args[0] as LifelineError);
    for (const handler of handlers) {
      try {
        handler(...args);
      } catch (cause) {
        this.#owner.report(new LifelineError("HANDLER_ERROR", `a "${type}" handler of "${this.topic}" threw`, { cause }));
      }
    }
  }

  /** No more publications: the handle is done, its iteration ends (with `error`, it throws). */
  end(error?: LifelineError): void {
    this.#ended = true;
    this.finish(error);
  }

  /** Ends iteration only (the client closed): events go on if it connects again. */
  finish(error?: LifelineError): void {
    for (const read of [...this.#readers]) read(undefined, error, true);
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const buffer: unknown[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    let done = this.#ended;
    const read = (value: unknown, error?: Error, end?: boolean) => {
      if (end) {
        done = true;
        failure = error;
        this.#readers.delete(read);
      } else buffer.push(value);
      wake?.();
    };
    if (!done) this.#readers.add(read);
    const next = async (): Promise<IteratorResult<unknown>> => {
      while (buffer.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (buffer.length > 0) return { value: buffer.shift(), done: false };
      if (failure) throw failure;
      return { value: undefined, done: true };
    };
    return {
      next,
      return: async () => {
        read(undefined, undefined, true);
        buffer.length = 0;
        return { value: undefined, done: true };
      },
    };
  }
}
