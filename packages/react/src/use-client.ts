import { LifelineError, createClient } from "@lifeline/client";
import type { Client, ClientOptions, Clock, InferInput, InferOutput, StandardSchemaV1 } from "@lifeline/client";
import { useEffect, useRef } from "react";

/**
 * How long (ms) the client of an unmounted component waits before it closes.
 * StrictMode's simulated unmount and fast refresh re-run the effect at once,
 * which cancels the close: the same client, the same socket.
 */
export const CLOSE_GRACE_MS = 100;

type Timers = Pick<Clock, "setTimeout" | "clearTimeout">;

/** The runtime's timers, typed here: the package builds without DOM or Node types. */
const runtime = globalThis as unknown as Timers;

/** The global timers, looked up at call time so fake timers installed later apply. */
const globalTimers: Timers = {
  setTimeout: (callback, ms) => runtime.setTimeout(callback, ms),
  clearTimeout: (handle) => runtime.clearTimeout(handle),
};

/** One component's client and what its effect needs to know about it. */
interface Owned {
  readonly client: Client<any, any>;
  /** The options asked to connect (`autoConnect`, default true). */
  readonly connect: boolean;
  readonly timers: Timers;
  /** The pending close after an unmount. */
  closeTimer: unknown;
  /** The grace period ran out and we closed it: a later remount (a shown `<Activity>`) connects again. */
  closedByUs: boolean;
}

function show(value: unknown): string {
  return value === null ? "null" : typeof value;
}

function own(options: unknown): Owned {
  if (typeof options !== "function") {
    throw new LifelineError("INVALID_OPTIONS", `useClient() takes a function that returns the client's options, got ${show(options)}`);
  }
  const given: unknown = options();
  if (typeof given !== "object" || given === null) {
    throw new LifelineError("INVALID_OPTIONS", `useClient()'s function must return the client's options, got ${show(given)}`);
  }
  const resolved = given as ClientOptions;
  // Created idle: a render may be thrown away (StrictMode, Suspense) or run on
  // a server, and neither may open a socket or start a timer. The effect connects.
  const client = createClient({ ...resolved, autoConnect: false });
  return {
    client,
    connect: resolved.autoConnect ?? true,
    timers: resolved.clock ?? globalTimers,
    closeTimer: undefined,
    closedByUs: false,
  };
}

/**
 * A client for the lifetime of the calling component. `options` is called
 * once, at the first render; the client connects after mount (unless
 * `autoConnect: false`) and closes {@link CLOSE_GRACE_MS} ms after unmount.
 *
 * - StrictMode's double mount and fast refresh keep the one client and its one socket.
 * - On the server (SSR) nothing connects: the state stays `"idle"`, no socket, no timer.
 * - Options are not read again on re-render. For a value that changes (an auth
 *   token, a room), give `url` as a function that reads a ref: the next
 *   attempt picks it up, and what is queued survives.
 *
 * @example
 * const client = useClient(() => ({ url: "wss://example.test/ws", incoming: Incoming }));
 */
export function useClient<In extends StandardSchemaV1 = StandardSchemaV1<unknown>, Out extends StandardSchemaV1 = StandardSchemaV1<unknown>>(
  options: () => ClientOptions<In, Out>,
): Client<InferOutput<In>, InferInput<Out>> {
  const owned = useRef<Owned | null>(null);
  if (owned.current === null) owned.current = own(options);
  const current = owned.current;

  useEffect(() => {
    if (current.closeTimer !== undefined) {
      // remounted within the grace period: keep the client as it is
      current.timers.clearTimeout(current.closeTimer);
      current.closeTimer = undefined;
    }
    const { state } = current.client;
    if (current.connect && (state === "idle" || (state === "closed" && current.closedByUs))) {
      current.closedByUs = false;
      current.client.connect();
    }
    return () => {
      current.closeTimer = current.timers.setTimeout(() => {
        current.closeTimer = undefined;
        current.closedByUs = true;
        current.client.close();
      }, CLOSE_GRACE_MS);
    };
  }, [current]);

  return current.client as Client<InferOutput<In>, InferInput<Out>>;
}
