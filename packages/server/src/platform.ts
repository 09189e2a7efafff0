// The few web-platform globals the package uses, typed without the DOM or
// Node libraries: Node 22, Deno, Bun and workerd all have them.

/** A timer handle; Node's has `unref()`, so an idle timer does not keep the process alive. */
export type TimerHandle = { unref?: () => void } | number;

interface Platform {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  queueMicrotask(callback: () => void): void;
  console: { error(...args: unknown[]): void };
  TextDecoder: new () => { decode(input?: Uint8Array, options?: { stream?: boolean }): string };
  crypto: { randomUUID(): string };
}

export const platform = globalThis as unknown as Platform;

/**
 * The runtime's own `setTimeout`, taken when the package loads: for the
 * server's short internal waits (quiet acks, mark groups), so that a test's
 * fake timers, installed later, do not hold them. Call it with `globalThis`
 * as `this`.
 */
export const realSetTimeout = platform.setTimeout;

const monotonic: { now(): number } = (globalThis as { performance?: { now(): number } }).performance ?? Date;
/** Milliseconds on a clock that only moves forward (`performance.now()` where the runtime has it). */
export const now = (): number => monotonic.now();
