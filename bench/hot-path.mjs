// The client's own cost per message, without the network: one process, a
// no-op socket, lifeline's send() and receive path against what an app does
// with a raw WebSocket (JSON.stringify + send, then JSON.parse + handler).
// CPU time per message, median of rounds; steadier than socket measures on a
// shared machine because no other process takes part.
// Run alone: node bench/hot-path.mjs (prints JSON).
import { createClient } from "@lifeline/client";

const N = 500_000;
const MESSAGE = { type: "chat", text: "hello there", n: 1 };

/** A socket that keeps the last frame and hands the client's listener to the bench. */
function fakeSocket() {
  const state = { listener: undefined, last: undefined };
  class Socket {
    readyState = 1;
    set binaryType(_) {}
    addEventListener(type, listener) {
      if (type === "message") state.listener = listener;
    }
    removeEventListener() {}
    send(frame) {
      state.last = frame;
    }
    close() {}
  }
  return { Socket, state };
}

export function measureHotPath(rounds = 7) {
  let received = 0;
  const { Socket, state } = fakeSocket();
  const client = createClient({ url: "ws://bench.test/", WebSocket: Socket });
  client.on("message", () => received++);
  state.listener.handleEvent({ type: "open" });
  if (client.state !== "open") throw new Error(`the client is ${client.state}, not open`);
  const lifeline = () => {
    for (let i = 0; i < N; i++) {
      client.send(MESSAGE);
      state.listener.handleEvent({ type: "message", data: state.last });
    }
  };
  let rawLast;
  const rawSocket = { send: (frame) => (rawLast = frame) };
  const onMessage = () => received++;
  const raw = () => {
    for (let i = 0; i < N; i++) {
      rawSocket.send(JSON.stringify(MESSAGE));
      const event = { type: "message", data: rawLast };
      onMessage(JSON.parse(event.data));
    }
  };
  const nsPerMessage = (run) => {
    const start = process.cpuUsage();
    run();
    const { user, system } = process.cpuUsage(start);
    return ((user + system) * 1000) / N;
  };
  // warm both paths up for the optimizing compiler
  for (let i = 0; i < 2; i++) nsPerMessage(lifeline), nsPerMessage(raw);
  const samples = { lifeline: [], raw: [] };
  for (let i = 0; i < rounds; i++) {
    samples.lifeline.push(nsPerMessage(lifeline));
    samples.raw.push(nsPerMessage(raw));
  }
  client.close();
  // every message sent must have come back as a message event: nothing queued or dropped on the way
  if (received !== (4 + 2 * rounds) * N) throw new Error(`${received} messages went through, expected ${(4 + 2 * rounds) * N}`);
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  return { lifeline: median(samples.lifeline), raw: median(samples.raw), samples };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(measureHotPath())}\n`);
