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
