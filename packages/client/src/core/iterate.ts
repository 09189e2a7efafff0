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
  let wake: (value?: unknown) => void = () => {};
  let done = client.state === "closed";
  // every state change wakes the consumer (it waits again unless closed or something came)
  const stops = [client.on("message", (message: T) => wake(buffer.push(message))), client.on("state", ({ to }: { to: string }) => wake((done ||= to === "closed")))];
  return (async function* () {
    try {
      while (buffer.length || !done) buffer.length ? yield buffer.shift()! : await new Promise((resolve) => (wake = resolve));
    } finally {
      stops.map((stop) => stop());
    }
  })();
}
