// One small adapter per library, so every measure drives them the same way:
// connect(url, options) → { send(message), onMessage(fn), onOpen(fn), onClose(fn), close() }.
// Messages are objects; the raw socket and the two reconnecting wrappers get
// JSON.stringify/JSON.parse done by the adapter (the application's work),
// lifeline does it itself through its codec.

/** The libraries in the order they are listed in the tables. */
export const LIBRARIES = ["raw", "lifeline", "partysocket", "reconnecting-websocket"];

/** Display names. */
export const NAMES = {
  raw: "raw WebSocket",
  "raw-again": "raw WebSocket, a second one (the noise floor)",
  lifeline: "lifeline",
  "lifeline+zod": "lifeline + zod schema",
  "lifeline+ack": "lifeline, at-least-once",
  partysocket: "partysocket",
  "reconnecting-websocket": "reconnecting-websocket",
};

/** Libraries that reconnect (the raw socket does not). */
export const RECONNECTING = ["lifeline", "partysocket", "reconnecting-websocket"];

function wrapEventTarget(socket, { reconnects }) {
  return {
    socket,
    send: (message) => socket.send(JSON.stringify(message)),
    onMessage: (fn) => socket.addEventListener("message", (event) => fn(JSON.parse(event.data))),
    onOpen: (fn) => socket.addEventListener("open", () => fn()),
    onClose: (fn) => socket.addEventListener("close", () => fn()),
    close: () => socket.close(),
    reconnects,
  };
}

/**
 * Loads a library and returns its connect function.
 * `url` may be a function (called before every attempt) for the reconnecting libraries.
 * `heartbeat`: { interval, timeout } (lifeline only: the others have none).
 */
export async function load(lib) {
  switch (lib) {
    case "raw":
    // the same code as raw on a connection of its own: measured beside raw, it shows how far two equal clients differ
    case "raw-again":
      return (url) => wrapEventTarget(new WebSocket(typeof url === "function" ? url() : url), { reconnects: false });
    case "lifeline":
    case "lifeline+zod":
    case "lifeline+ack": {
      const { createClient } = await import("@lifeline/client");
      const incoming = lib === "lifeline+zod" ? (await import("./schema.mjs")).Message : undefined;
      // acknowledged delivery: envelopes, acks from the server, resend on reconnect
      const delivery = lib === "lifeline+ack" ? (await import("@lifeline/client/at-least-once")).atLeastOnce() : undefined;
      return (url, { heartbeat } = {}) => {
        // acknowledged delivery keeps at most queue.max messages in flight and queues the rest: a
        // throughput burst is sent at once, so the queue must hold it all (as the server's replay buffer does)
        const queue = delivery ? { queue: { max: 200_000 } } : {};
        // only the options a variant sets: "lifeline" runs on the defaults alone
        const client = createClient({ url, ...(incoming && { incoming }), ...(delivery && { delivery }), ...queue, ...(heartbeat && { heartbeat }) });
        return {
          client,
          send: (message) => client.send(message),
          onMessage: (fn) => client.on("message", fn),
          onOpen: (fn) => client.on("open", () => fn()),
          onClose: (fn) => client.on("close", () => fn()),
          close: () => client.close(),
          reconnects: true,
        };
      };
    }
    case "partysocket": {
      // the core of partysocket: its generic reconnecting WebSocket (PartySocket itself adds PartyKit URLs on top)
      const { default: ReconnectingWebSocket } = await import("partysocket/ws");
      return (url) => wrapEventTarget(new ReconnectingWebSocket(url, undefined, { WebSocket }), { reconnects: true });
    }
    case "reconnecting-websocket": {
      const { default: ReconnectingWebSocket } = await import("reconnecting-websocket");
      return (url) => wrapEventTarget(new ReconnectingWebSocket(url, [], { WebSocket }), { reconnects: true });
    }
    default:
      throw new Error(`unknown library ${lib}`);
  }
}
