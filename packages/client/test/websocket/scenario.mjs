// The LifelineWebSocket scenario every runtime runs (Node, Deno, Bun as child
// processes, Chromium in a page), against a real @lifeline/test-server driven
// through its HTTP control endpoint. Plain JavaScript importing only
// ../runtimes/steps.mjs, so each runtime loads it as it is. Every wait is bounded.

import { check, same, within } from "../runtimes/steps.mjs";

export { httpControl } from "../runtimes/steps.mjs";

/** Step ids in order, for the test side; `browser` steps run only in a page. */
export const WS_STEPS = [
  { id: "queue-and-echo" },
  { id: "binary" },
  { id: "server-drop" },
  { id: "half-open" },
  { id: "refused-upgrade" },
  { id: "close" },
  { id: "relative-url", browser: true },
];

/** The next `type` event on `ws` that passes `filter`. */
function next(ws, type, filter = () => true, ms = 5_000) {
  return within(
    new Promise((resolve) => {
      const listener = (event) => {
        if (!filter(event)) return;
        ws.removeEventListener(type, listener);
        resolve(event);
      };
      ws.addEventListener(type, listener);
    }),
    ms,
    `a "${type}" event`,
  );
}

async function bytesOf(data) {
  const buffer = typeof data.arrayBuffer === "function" ? await data.arrayBuffer() : data;
  return [...new Uint8Array(buffer)];
}

/**
 * Runs the steps; `log({ id, ok, error?, detail? })` is called once per step.
 * Leaves nothing open: after the last step the process can exit by itself.
 */
export async function runWebSocketScenario({ LifelineWebSocket, url, control, log }) {
  const events = [];
  const ws = new LifelineWebSocket(url, ["chat.v1"], {
    minReconnectionDelay: 50,
    maxReconnectionDelay: 200,
    connectionTimeout: 1_000,
    heartbeat: { interval: 300, timeout: 300 },
  });
  for (const type of ["open", "close", "error"]) ws.addEventListener(type, (e) => events.push(`${type}${type === "close" ? ` ${e.code}` : ""}@${ws.readyState}`));
  const texts = [];
  ws.onmessage = (event) => typeof event.data === "string" && texts.push(event.data);

  const steps = {
    async "queue-and-echo"() {
      same([ws.readyState, ws.send("queued-1"), ws.send("queued-2")], [0, false, false], "readyState and send() before open");
      const echoed = next(ws, "message", (e) => e.data === "queued-2");
      await next(ws, "open");
      same(ws.protocol, "chat.v1", "protocol");
      await echoed;
      same(ws.send("hello"), true, "send() while open");
      await next(ws, "message", (e) => e.data === "hello");
      same(texts, ["queued-1", "queued-2", "hello"], "echoes in order");
    },
    async binary() {
      const asBlob = next(ws, "message", (e) => typeof e.data !== "string");
      ws.send(new Uint8Array([1, 2, 3]));
      const blob = (await asBlob).data;
      check(typeof blob.arrayBuffer === "function" && blob.size === 3, `default binaryType gives a Blob, got ${Object.prototype.toString.call(blob)}`);
      same(await bytesOf(blob), [1, 2, 3], "bytes of the Blob");
      ws.binaryType = "arraybuffer";
      const asBuffer = next(ws, "message", (e) => typeof e.data !== "string");
      ws.send(new Uint8Array([4, 5]).buffer);
      const buffer = (await asBuffer).data;
      check(Object.prototype.toString.call(buffer) === "[object ArrayBuffer]", "binaryType arraybuffer gives an ArrayBuffer");
      same(await bytesOf(buffer), [4, 5], "bytes of the ArrayBuffer");
    },
    async "server-drop"() {
      events.length = 0;
      const closed = next(ws, "close");
      await control("dropAll", { code: 1012, reason: "restart" });
      const close = await closed;
      same([close.code, close.reason, close.wasClean], [1012, "restart", true], "the close event");
      same(ws.send("while-down"), false, "send() while down");
      await next(ws, "open");
      await next(ws, "message", (e) => e.data === "while-down");
      same(events, ["close 1012@3", "open@1"], "events (readyState) across the reconnect");
    },
    async "half-open"() {
      events.length = 0;
      const closed = next(ws, "close", () => true, 4_000);
      await control("freeze");
      const close = await closed;
      same([close.code, close.reason], [1006, "heartbeat timeout"], "the heartbeat's close");
      const reopened = next(ws, "open", () => true, 8_000);
      await control("thaw");
      await reopened;
      same(events.at(0), "close 1006@3", "first event");
      same(events.at(-1), "open@1", "last event");
    },
    async "refused-upgrade"() {
      // each runtime reports a refused upgrade its own way (Node: error only; browsers: error then close 1006)
      events.length = 0;
      await control("rejectNext", { n: 1, status: 503 });
      const reopened = next(ws, "open");
      ws.reconnect(4000, "again");
      same(ws.readyState, 0, "readyState right after reconnect()");
      await reopened;
      same(events, ["close 4000@3", "error@3", "close 1006@3", "open@1"], "events (readyState)");
    },
    async close() {
      events.length = 0;
      ws.close(1000, "done");
      same(events, ["close 1000@3"], "close() dispatches close before it returns");
      same(ws.readyState, 3, "readyState after close()");
    },
    async "relative-url"() {
      // as with the platform's WebSocket, a relative URL resolves against the page (http: becomes ws:)
      const path = new URL(url).pathname;
      const relative = new LifelineWebSocket(path, undefined, { heartbeat: false });
      try {
        same(relative.url, "", "url before the first socket");
        await next(relative, "open");
        same(relative.url, url, "url once open");
      } finally {
        relative.close();
      }
    },
  };

  const browser = typeof globalThis.document === "object";
  for (const { id } of WS_STEPS.filter((step) => browser || !step.browser)) {
    try {
      await steps[id]();
      log({ id, ok: true });
    } catch (error) {
      log({ id, ok: false, error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error), detail: { events } });
    }
  }
  ws.close();
}
