// `for await (const msg of client)`: validated messages across reconnects,
// buffered until read, ending when the client closes. Built only on the
// client's public events; subscribed at once, so nothing between the
// iterator's creation and its first `next()` is missed.
import type { Handler } from "./events.js";

interface Source {
  readonly state: string;
  on(type: string, handler: Handler): () => void;
}

export function iterate<T>(client: Source): AsyncGenerator<T, void, undefined> {
  const buffer: T[] = [];
  let wake = () => {};
  let done = client.state === "closed";
  const stops = [
    client.on("message", (message: T) => (buffer.push(message), wake())),
    client.on("state", ({ to }: { to: string }) => to === "closed" && ((done = true), wake())),
  ];
  return (async function* () {
    try {
      for (;;) {
        while (buffer.length) yield buffer.shift()!;
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      for (const stop of stops) stop();
    }
  })();
}
