// waitForClients/Connections/Messages: promises settled when a counter
// reaches its target, re-checked whenever something counted changes.
import { nonNegativeInteger, nonNegativeMs } from "./checks.js";

interface Waiter {
  check(): boolean;
  cancel(): void;
}

export const DEFAULT_WAIT_MS = 5000;

export class Waiters {
  readonly #waiting = new Set<Waiter>();
  readonly #isClosed: () => boolean;

  constructor(isClosed: () => boolean) {
    this.#isClosed = isClosed;
  }

  wait(what: string, target: number, current: () => number, label: string, timeoutMs: number): Promise<void> {
    try {
      nonNegativeInteger(what, target);
      nonNegativeMs(`${what} timeoutMs`, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (current() >= target) return Promise.resolve();
    if (this.#isClosed()) return Promise.reject(new Error(`${what}: the server is closed (${label} = ${current()})`));
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.#waiting.delete(waiter);
        if (error) reject(error);
        else resolve();
      };
      const waiter: Waiter = {
        check: () => {
          if (current() < target) return false;
          finish();
          return true;
        },
        cancel: () => finish(new Error(`${what}: the server closed while waiting (${label} = ${current()})`)),
      };
      const timer = setTimeout(() => finish(new Error(`${what} timed out after ${timeoutMs} ms (${label} = ${current()})`)), timeoutMs);
      this.#waiting.add(waiter);
    });
  }

  settle(): void {
    for (const waiter of [...this.#waiting]) waiter.check();
  }

  cancelAll(): void {
    for (const waiter of [...this.#waiting]) waiter.cancel();
  }
}
