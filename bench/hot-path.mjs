// The client's own cost per message, without the network: one process, a
// socket that sends nowhere, lifeline's send() and receive path against what
// an app does with a raw WebSocket (JSON.stringify + send, then JSON.parse +
// handler). Received frames go through Node's own EventTarget as a
// MessageEvent, as a real socket's do, so each side pays what its kind of
// listener costs there (lifeline listens with an object, the app with a
// function). Frames come in chunks, with the microtask queue drained between
// chunks, as between two reads of a real socket.
// CPU time per message, median of rounds; steadier than socket measures on a
// shared machine because no other process takes part.
// Run alone: node bench/hot-path.mjs (prints JSON).
import { createClient } from "@lifeline/client";

const N = 100_000;
/** Frames per chunk: about what one 64 KiB read of a busy socket holds. */
const CHUNK = 1_000;
const MESSAGE = { type: "chat", text: "hello there", n: 1 };
/**
 * The frame each side receives: one event dispatched again and again (Node
 * allows that once a dispatch is over), so that building a MessageEvent, which
 * a real socket does for either side alike, is not counted.
 */
const INCOMING = new MessageEvent("message", { data: JSON.stringify(MESSAGE) });

/** A socket class (an EventTarget, like Node's WebSocket) that keeps the last frame sent. */
function nowhereSocket() {
  const state = { socket: undefined, last: undefined };
  class Socket extends EventTarget {
    #readyState = 1;
    constructor() {
      super();
      state.socket = this;
    }
    get readyState() {
      return this.#readyState;
    }
    set binaryType(_) {}
    send(frame) {
      state.last = frame;
    }
    close() {
      this.#readyState = 3;
    }
  }
  return { Socket, state };
}

/** Runs `step` `N` times, in chunks with the microtasks drained between them; CPU ns per step. */
async function nsPerMessage(step) {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i += CHUNK) {
    for (let j = 0; j < CHUNK; j++) step();
    await null;
  }
  const { user, system } = process.cpuUsage(start);
  return ((user + system) * 1000) / N;
}

/**
 * ns per message for each side (median of the rounds) and what lifeline adds: the median of
 * the rounds' differences, each round running both sides back to back.
 */
export async function measureHotPath(rounds = 15) {
  let received = 0;
  const onMessage = () => received++;

  const line = nowhereSocket();
  const client = createClient({ url: "ws://bench.test/", WebSocket: line.Socket });
  client.on("message", onMessage);
  line.state.socket.dispatchEvent(new Event("open"));
  if (client.state !== "open") throw new Error(`the client is ${client.state}, not open`);
  const lifeline = () => {
    client.send(MESSAGE);
    line.state.socket.dispatchEvent(INCOMING);
  };

  const rawLine = nowhereSocket();
  const rawSocket = new rawLine.Socket();
  rawSocket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
  const raw = () => {
    rawSocket.send(JSON.stringify(MESSAGE));
    rawSocket.dispatchEvent(INCOMING);
  };

  // warm both paths up for the optimizing compiler
  for (let i = 0; i < 2; i++) await nsPerMessage(lifeline), await nsPerMessage(raw);
  const samples = { lifeline: [], raw: [] };
  for (let i = 0; i < rounds; i++) {
    // the order alternates, so that neither side always runs first
    if (i % 2) samples.raw.push(await nsPerMessage(raw));
    samples.lifeline.push(await nsPerMessage(lifeline));
    if (i % 2 === 0) samples.raw.push(await nsPerMessage(raw));
  }
  client.close();
  // every message sent must have come back as a message event: nothing queued or dropped on the way
  if (received !== (4 + 2 * rounds) * N) throw new Error(`${received} messages went through, expected ${(4 + 2 * rounds) * N}`);
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const added = median(samples.lifeline.map((ns, i) => ns - samples.raw[i]));
  return { lifeline: median(samples.lifeline), raw: median(samples.raw), added, samples };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(await measureHotPath())}\n`);
