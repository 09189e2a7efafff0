// Real servers on loopback port 0 and raw `ws` clients that speak the
// protocol frame by frame, so the server is checked against docs/protocol.md
// rather than against lifeline's client.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createLifelineServer } from "../src/index.js";
import type { LifelineServer, LifelineServerOptions } from "../src/index.js";

export interface Harness {
  url: string;
  lifeline: LifelineServer;
  close(): Promise<void>;
}

/**
 * For a file whose tests each start their own server: returns `start`, which
 * starts one (as startLifeline does); whatever a test started is closed after it.
 */
export function lifelinePerTest(): typeof startLifeline {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  return async (...args) => (h = await startLifeline(...args));
}

/**
 * A `ws` server on 127.0.0.1:0 whose connections are served by a lifeline
 * server. The user is the url's `?user=` (the stand-in for an app's auth at
 * the upgrade); none: anonymous.
 */
export async function startLifeline(options: LifelineServerOptions = {}, wsMaxPayload?: number): Promise<Harness> {
  const lifeline = createLifelineServer({ onError: () => {}, ...options });
  const http = createServer();
  const wss = new WebSocketServer({ server: http, ...(wsMaxPayload !== undefined && { maxPayload: wsMaxPayload }) });
  wss.on("connection", (ws, request) => {
    const user = new URL(request.url ?? "/", "http://x").searchParams.get("user");
    lifeline.accept(ws, user === null ? undefined : { user });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    lifeline,
    async close() {
      await lifeline.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export type Frame = Record<string, unknown> & { t?: string; seq?: number };

export interface RawClient {
  ws: WebSocket;
  /** Every text frame received, parsed when it is JSON (else the string). */
  frames: Array<Frame | string>;
  send(frame: unknown): void;
  /** Resolves with the first frame from index `from` on that matches; bounded. */
  next(predicate: (frame: Frame | string) => boolean, from?: number, ms?: number): Promise<Frame>;
  /** Resolves when the server closed the socket. */
  closed: Promise<{ code: number; reason: string }>;
  /** Frames of type `t`. */
  of(t: string): Frame[];
  close(): Promise<void>;
}

export async function rawClient(url: string): Promise<RawClient> {
  const ws = new WebSocket(url);
  const frames: Array<Frame | string> = [];
  const wakers = new Set<() => void>();
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? "<binary>" : data.toString();
    let frame: Frame | string = text;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      // plain text (pong)
    }
    frames.push(frame);
    for (const wake of wakers) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of wakers) wake();
    });
  });
  ws.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const next = (predicate: (frame: Frame | string) => boolean, from = 0, ms = 5_000) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const found = frames.slice(from).find(predicate);
        if (found !== undefined) {
          finish();
          resolve(found as Frame);
        } else if (ws.readyState === WebSocket.CLOSED) {
          finish();
          reject(new Error(`closed before the frame came; frames: ${JSON.stringify(frames)}`));
        }
      };
      const finish = () => {
        clearTimeout(timer);
        wakers.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out; frames: ${JSON.stringify(frames)}`));
      }, ms);
      wakers.add(check);
      check();
    });
  return {
    ws,
    frames,
    closed,
    next,
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    of: (t) => frames.filter((f): f is Frame => typeof f === "object" && f.t === t),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
}

/** Waits for an ack frame covering `seq`. */
export const ackOf = (seq: number) => (f: Frame | string) => typeof f === "object" && f.t === "ack" && f.seq === seq;
/** Waits for a server message with this seq. */
export const msgOf = (seq: number) => (f: Frame | string) => typeof f === "object" && f.t === "msg" && f.seq === seq;
/** Waits for a reset frame. */
export const isReset = (f: Frame | string) => typeof f === "object" && f.t === "reset";

/** A round trip on the socket: everything the server wrote before answering this ping has arrived. */
export async function roundTrip(c: RawClient): Promise<void> {
  const from = c.frames.length;
  c.ws.send("ping");
  await c.next((f) => f === "pong", from);
}
