// `for await (const msg of client)`: validated messages across reconnects,
// buffered until read, ending when the client closes. Built only on the
// client's public events.
import type { Handler } from "./events.js";

interface Source {
  readonly state: string;
  on(type: string, handler: Handler): () => void;
}

export function iterate<T>(client: Source): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let wake: ((result: IteratorResult<T>) => void) | undefined;
  let done = false;
  const finish = () => {
    done = true;
    stopMessages();
    stopState();
    wake?.({ value: undefined, done: true });
  };
  const stopMessages = client.on("message", (message: T) => {
    if (wake) wake({ value: message, done: false });
    else buffer.push(message);
    wake = undefined;
  });
  const stopState = client.on("state", ({ to }: { to: string }) => to === "closed" && finish());
  if (client.state === "closed") finish();
  return {
    next: () =>
      buffer.length > 0
        ? Promise.resolve({ value: buffer.shift()!, done: false })
        : done
          ? Promise.resolve({ value: undefined, done: true })
          : new Promise((resolve) => (wake = resolve)),
    return: () => {
      buffer.length = 0;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
