import { once } from "node:events";
import { afterEach, expect, test } from "vitest";
import { cleanup, connect, serve, settle } from "./helpers.js";

afterEach(cleanup);

test("the server heartbeat drops a client that never answers and keeps one that does", async () => {
  // A generous timeout: the answering client shares this event loop, and a stall
  // on a busy machine must not make its pong "late".
  const server = await serve({ heartbeat: { interval: 100, timeout: 600 } });
  const silent = await connect(server.url, { pings: "ignore" });
  const answering = await connect(server.url, { pings: "answer" });
  await server.waitForClients(2);
  const disconnect = once(server.events, "disconnect");

  // Terminated, not closed: no close frame reaches the client.
  expect((await silent.closed).code).toBe(1006);
  expect(silent.pingsSeen).toBeGreaterThanOrEqual(1);
  expect(await disconnect).toEqual([{ client: 1, code: 1006 }]);

  // Several more rounds after the silent one was dropped, and still open.
  const seen = answering.pingsSeen;
  await answering.waitForPings(seen + 3);
  expect(answering.ws.readyState).toBe(answering.ws.OPEN);
  expect(server.clients).toBe(1);
  expect(server.pongs).toBeGreaterThanOrEqual(3);
  // Heartbeat frames are counted, never recorded as user messages.
  expect(server.received).toEqual([]);
});

test("any frame counts as a sign of life, not only pong", async () => {
  const server = await serve({ heartbeat: { interval: 100, timeout: 600 } });
  const chatty = await connect(server.url, { pings: "ignore" });
  chatty.ws.on("message", (data) => {
    if (String(data) === "ping") chatty.send("still here");
  });
  await server.waitForMessages(4);
  expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
  expect(server.texts().slice(0, 4)).toEqual(["still here", "still here", "still here", "still here"]);
  expect(server.pongs).toBe(0);
});

test("a number is the interval, and the timeout defaults to it", async () => {
  const server = await serve({ heartbeat: 100 });
  const silent = await connect(server.url, { pings: "ignore" });
  const started = performance.now();
  expect((await silent.closed).code).toBe(1006);
  // At least one interval to the first ping, then one more as the timeout.
  expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  expect(silent.pingsSeen).toBeGreaterThanOrEqual(1);
});

test("no heartbeat by default: the server never pings", async () => {
  const server = await serve();
  const peer = await connect(server.url);
  await server.waitForClients(1);
  // A marker sent after a while: any ping would have been queued before it.
  await settle(300);
  server.broadcast("marker");
  expect(await peer.nextText()).toBe("marker");
  expect(peer.ws.readyState).toBe(peer.ws.OPEN);
});
