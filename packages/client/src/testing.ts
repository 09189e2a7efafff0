/**
 * Test doubles for code that uses lifeline: a fake `WebSocket` you drive by
 * hand and a fake clock, so tests run without a server and without waiting.
 *
 * @example
 * import { createClient } from "@lifeline/client";
 * import { createFakeClock, createFakeWebSocket } from "@lifeline/client/testing";
 *
 * const clock = createFakeClock();
 * const fake = createFakeWebSocket();
 * const client = createClient({ url: "ws://test/ws", WebSocket: fake.WebSocket, clock });
 * fake.last().open();                       // the server accepts
 * fake.last().receive('{"type":"chat"}');  // a frame arrives
 * fake.last().fail();                      // the line breaks (error, then close 1006)
 * clock.advance(1_000);                    // the backoff elapses, a new socket appears
 */
import type { Clock, WebSocketConstructor, WebSocketLike } from "./core/types.js";
import { addListener, dispatch } from "./listeners.js";
import type { Listener, Listeners } from "./listeners.js";


/** A socket created by the fake constructor; its methods play the server's and the network's part. */
export interface FakeSocket extends WebSocketLike {
  readonly url: string;
  readonly protocols?: string | string[] | undefined;
  readyState: number;
  binaryType: string;
  /** Frames the client sent, in order. */
  readonly sent: Array<string | ArrayBuffer | ArrayBufferView>;
  /** The `close()` call the client made, if any. */
  readonly closedWith: { code?: number; reason?: string } | undefined;
  /** The handshake succeeds: `open`. */
  open(): void;
  /** A frame from the server: `message`. */
  receive(data: string | ArrayBuffer | ArrayBufferView): void;
  /** The server (or network) closes the connection: `close` with this code. */
  serverClose(code?: number, reason?: string, wasClean?: boolean): void;
  /**
   * The line breaks. While connecting: `error` only and no `close`, as Node 22
   * reports a refused upgrade. Once open: `error`, then `close` 1006 (not
   * clean), as every runtime does.
   */
  fail(): void;
  /** Number of listeners the client has on this socket. */
  listenerCount(type?: string): number;
}

export interface FakeWebSocketKit {
  /** Pass this as the client's `WebSocket` option. */
  readonly WebSocket: WebSocketConstructor;
  /** Every socket created, oldest first. */
  readonly sockets: readonly FakeSocket[];
  /** The most recent socket; throws when none was created yet. */
  last(): FakeSocket;
  /** Sockets still `CONNECTING` or `OPEN` whose client still listens to them. */
  live(): FakeSocket[];
}

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/**
 * Makes a fake `WebSocket` constructor and a record of the sockets it made.
 * A client's `close()` on a fake socket completes at once with a clean
 * `close` event, unless `closeCompletes: false` (a half-open peer that never
 * answers).
 */
export function createFakeWebSocket(options: { closeCompletes?: boolean } = {}): FakeWebSocketKit {
  const sockets: FakeSocket[] = [];
  const closeCompletes = options.closeCompletes ?? true;

  class FakeWebSocket implements FakeSocket {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSING = CLOSING;
    static readonly CLOSED = CLOSED;
    readyState = CONNECTING;
    binaryType = "blob";
    readonly sent: Array<string | ArrayBuffer | ArrayBufferView> = [];
    closedWith: { code?: number; reason?: string } | undefined;
    readonly #listeners: Listeners = new Map();

    constructor(
      readonly url: string,
      readonly protocols?: string | string[],
    ) {
      sockets.push(this);
    }

    addEventListener(type: string, listener: Listener): void {
      addListener(this.#listeners, type, listener);
    }

    removeEventListener(type: string, listener: Listener): void {
      this.#listeners.get(type)?.delete(listener);
    }

    listenerCount(type?: string): number {
      if (type) return this.#listeners.get(type)?.size ?? 0;
      let n = 0;
      for (const set of this.#listeners.values()) n += set.size;
      return n;
    }

    #dispatch(type: string, event: object): void {
      dispatch(this.#listeners, { type, target: this, ...event });
    }

    send(data: string | ArrayBuffer | ArrayBufferView): void {
      if (this.readyState === CONNECTING) throw new Error("InvalidStateError: still CONNECTING");
      // like browsers, a send on a closing or closed socket is silently discarded
      if (this.readyState === OPEN) this.sent.push(data);
    }

    close(code?: number, reason?: string): void {
      if (this.readyState === CLOSED || this.readyState === CLOSING) return;
      this.closedWith = { ...(code !== undefined && { code }), ...(reason !== undefined && { reason }) };
      const wasConnecting = this.readyState === CONNECTING;
      this.readyState = CLOSING;
      if (wasConnecting) {
        // what Node 22 does: error, and no close
        this.readyState = CLOSED;
        this.#dispatch("error", {});
      } else if (closeCompletes) {
        this.readyState = CLOSED;
        this.#dispatch("close", { code: code ?? 1005, reason: reason ?? "", wasClean: true });
      }
    }

    open(): void {
      if (this.readyState !== CONNECTING) throw new Error(`open() on a socket in readyState ${this.readyState}`);
      this.readyState = OPEN;
      this.#dispatch("open", {});
    }

    receive(data: string | ArrayBuffer | ArrayBufferView): void {
      if (this.readyState !== OPEN) throw new Error(`receive() on a socket in readyState ${this.readyState}`);
      this.#dispatch("message", { data });
    }

    serverClose(code = 1000, reason = "", wasClean = code !== 1006): void {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.#dispatch("close", { code, reason, wasClean });
    }

    fail(): void {
      if (this.readyState === CLOSED) return;
      const wasOpen = this.readyState !== CONNECTING;
      this.readyState = CLOSED;
      this.#dispatch("error", {});
      if (wasOpen) this.#dispatch("close", { code: 1006, reason: "", wasClean: false });
    }
  }

  return {
    WebSocket: FakeWebSocket,
    sockets,
    last() {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error("no socket was created yet");
      return socket;
    },
    live() {
      return sockets.filter((s) => (s.readyState === CONNECTING || s.readyState === OPEN) && s.listenerCount() > 0);
    },
  };
}

/** A clock whose time moves only when told to; pass it as the client's `clock` option. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void;
  /** Moves time forward without running timers, as a sleeping device would; the next `advance` runs them late. */
  jump(ms: number): void;
  /** Number of timers scheduled and not yet run or cleared. */
  pending(): number;
  /** When the next timer is due, or `undefined`. */
  nextDue(): number | undefined;
}

/** Makes a {@link FakeClock} starting at `start` ms. */
export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { due: number; seq: number; callback: () => void }>();

  const due = () => {
    let first: [number, { due: number; seq: number; callback: () => void }] | undefined;
    for (const entry of timers) if (!first || entry[1].due < first[1].due || (entry[1].due === first[1].due && entry[1].seq < first[1].seq)) first = entry;
    return first;
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { due: now + Math.max(0, ms), seq: id, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const until = now + ms;
      // bounded: a callback that keeps scheduling 0 ms timers cannot loop forever
      for (let guard = 0; guard < 100_000; guard++) {
        const next = due();
        if (!next || next[1].due > until) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].due);
        next[1].callback();
      }
      now = until;
    },
    jump(ms) {
      now += ms;
    },
    pending: () => timers.size,
    nextDue: () => due()?.[1].due,
  };
}
