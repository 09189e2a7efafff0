// The connection half of the client: the phase machine and the one socket
// it holds, with its one timer (connect timeout, backoff wait, heartbeat
// interval, heartbeat timeout: the phase says which) and one due time.
// client.ts extends it with what the application touches (events, queue,
// incoming pipeline, features).
//
// Phases: idle → connecting → open ⇄ pinging; a failure → waiting →
// retrying → open …; closed after close() or giving up. Public states:
// retrying and waiting are "reconnecting", pinging is "open".
import type { State } from "./api.js";
import { isOnline, watchBrowser } from "./browser.js";
import { LifelineError, closedError, describe } from "./errors.js";
import { Events } from "./events.js";
import { isDead, unanswered, untilPing } from "./heartbeat.js";
import { resolveOptions } from "./options.js";
import { advisedDelay, attemptFailed, backoffDelay, gaveUp } from "./retry.js";
import { closeCode, dial, listen, listenWhileOpen, releaseSocket } from "./socket.js";
import type { SocketEvent } from "./socket.js";
import type { ClientOptions, CloseInfo, Extension, Frame, ResolvedHeartbeat, ResolvedOptions, WebSocketLike } from "./types.js";
import { checkUrl } from "./url.js";

type Phase = "idle" | "connecting" | "retrying" | "waiting" | "open" | "pinging" | "closed";

const ABNORMAL = 1006;
const OPEN = 1;
/** While offline, how often `navigator.onLine` is re-read at most (a drawn delay of 0 would otherwise spin). */
const OFFLINE_RECHECK_MS = 1_000;
/** Shared by every client without features, so such a client allocates no list of its own. */
const NONE: Extension[] = [];
const lostWith = (code: number, reason: string, wasClean = false): CloseInfo => ({ code, reason, wasClean });

export abstract class Connection {
  protected readonly o: ResolvedOptions;
  /** The url (and the token in it) is kept private, out of `o`: nothing that prints the client shows it. */
  readonly #url: ClientOptions["url"];
  protected readonly events = new Events();
  protected features: Extension[] = NONE;
  #phase: Phase = "idle";
  #timer: unknown;
  #due = 0;
  /** The one socket open or opening; never more than one. */
  #socket: WebSocketLike | undefined;
  #href: string | undefined;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
  /** Bumped whenever a socket is let go, so a url that resolves late for an abandoned attempt is ignored. */
  #token = 0;
  #delay = 0;
  #openedAt = 0;
  #heard = 0;
  #pingAt = 0;
  #secondPing = false;
  /** Heartbeat calibration: a pong was ever heard; reconnects spent on a server never heard; pinging given up. */
  #answered = false;
  #unanswered = 0;
  #muted = false;
  #latency: number | undefined;
  #waiters: Array<{ resolve(): void; reject(error: LifelineError): void }> | undefined;
  #unwatch: (() => void) | undefined;
  /** Why the client stopped: `CLOSED`, or `GAVE_UP` with its story. */
  #ended: LifelineError | undefined;

  constructor(options: ClientOptions<any, any>) {
    const o = (this.o = resolveOptions(options));
    this.#url = options.url;
    if (typeof process < "u" && !(globalThis as { Deno?: unknown }).Deno && process.env.NODE_ENV !== "production" && o.debug) this.events.log = o.debug === true ? (line) => console.debug(line) : o.debug;
  }

  /** Sends what the queue holds (client.ts). */
  protected abstract flush(): void;
  /** An application frame came in (client.ts). */
  protected abstract read(data: unknown): void;

  get state(): State {
    const p = this.#phase;
    return p === "retrying" || p === "waiting" ? "reconnecting" : p === "pinging" ? "open" : p;
  }

  get latency(): number | undefined {
    return this.#latency;
  }

  opened(): Promise<void> {
    if (this.isOpen()) return Promise.resolve();
    if (this.#phase === "closed") return Promise.reject(this.#ended ?? closedError());
    return new Promise((resolve, reject) => (this.#waiters ??= []).push({ resolve, reject }));
  }

  connect(): void {
    this.events.batch(() => {
      if (this.#phase !== "idle" && this.#phase !== "closed") return;
      this.#retries = this.#unanswered = 0;
      this.#answered = this.#muted = false;
      this.#each("start");
      this.#unwatch?.();
      // `online`, or the page becoming visible, cuts a pending backoff short
      this.#unwatch = watchBrowser(() => this.events.batch(() => this.#phase === "waiting" && this.#attempt("retrying")));
      this.#attempt("connecting");
    });
  }

  reconnect(): void {
    this.events.batch(() => {
      if (this.#phase === "idle" || this.#phase === "closed") return this.connect();
      if (this.#socket) this.events.emit("close", { ...lostWith(1000, "reconnect", true), willReconnect: true });
      this.#attempt("retrying");
    });
  }

  close(code = 1000, reason = ""): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new LifelineError("INVALID_OPTIONS", `close code must be 1000 or 3000–4999, got ${describe(code)}`);
    }
    this.events.batch(() => {
      if (this.isOpen()) this.#each("closing");
      const hadSocket = this.#socket !== undefined;
      this.#release(code, reason);
      if (this.#phase === "closed") return;
      if (hadSocket) this.events.emit("close", { ...lostWith(code, reason, true), willReconnect: false });
      this.#stop(closedError());
    });
  }

  /** Calls one hook of every feature. */
  #each(hook: "start" | "closing" | "open" | "lost" | "stop"): void {
    for (const x of this.features) x[hook]?.();
  }

  // ---- the phase and its one timer ----------------------------------------

  protected isOpen(): boolean {
    return this.#phase === "open" || this.#phase === "pinging";
  }

  /** Enters `phase`; the phase left takes its timer with it, `ms` arms the new one. */
  #go(phase: Phase, ms?: number): void {
    this.o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const from = this.state;
    this.#phase = phase;
    if (ms !== undefined) this.#arm(ms);
    const to = this.state;
    if (from !== to) this.events.emit("state", { from, to });
  }

  #arm(ms: number): void {
    this.#due = this.o.clock.now() + ms;
    this.#timer = this.o.clock.setTimeout(this.#fire, ms);
  }

  /** The heartbeat's interval while it runs. */
  #beat(): number | undefined {
    const { heartbeat } = this.o;
    return heartbeat && !this.#muted ? heartbeat.interval : undefined;
  }

  /** The phase's timer fired: connect timeout, end of the backoff wait, heartbeat interval or heartbeat timeout. */
  readonly #fire = () => {
    this.events.batch(() => {
      this.#timer = undefined;
      const now = this.o.clock.now();
      const heartbeat = this.o.heartbeat as ResolvedHeartbeat;
      switch (this.#phase) {
        case "connecting":
        case "retrying":
          return this.#lost(lostWith(ABNORMAL, "connect timeout"));
        case "waiting":
          // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
          return isOnline() ? this.#attempt("retrying") : this.#arm(Math.max(this.#delay, OFFLINE_RECHECK_MS));
        case "open": {
          const wait = untilPing(heartbeat, now, this.#due, this.#heard);
          return wait ? this.#arm(wait) : this.#ping(false);
        }
        case "pinging":
          if (!isDead(now, this.#due, this.#secondPing)) return this.#ping(true);
          // a server never heard answering costs one reconnect; after that it does not speak the heartbeat
          if (this.#answered || this.#unanswered++ === 0) return this.#lost(lostWith(ABNORMAL, "heartbeat timeout"), true);
          this.#muted = true;
          this.#go("open");
          this.events.emit("error", unanswered(heartbeat));
      }
    });
  };

  #ping(second: boolean): void {
    const heartbeat = this.o.heartbeat as ResolvedHeartbeat;
    this.#pingAt = this.o.clock.now();
    this.#secondPing = second;
    this.write(heartbeat.ping);
    // the timeout runs even when the ping could not go out: the line is then given up as for any silence
    if (this.isOpen()) this.#go("pinging", heartbeat.timeout);
  }

  // ---- the socket ------------------------------------------------------------

  #attempt(phase: "connecting" | "retrying"): void {
    this.#release();
    this.#href = undefined;
    this.#go(phase, this.o.connectTimeout);
    const token = this.#token;
    const url = this.#url;
    let target: string | URL | Promise<string | URL>;
    try {
      target = typeof url === "function" ? url() : url;
    } catch (cause) {
      return this.#urlFailed(cause);
    }
    if (typeof (target as Promise<unknown> | null)?.then !== "function") return this.#open(target as string | URL);
    (target as Promise<string | URL>).then(
      (resolved) => token === this.#token && this.events.batch(() => this.#open(resolved)),
      (cause: unknown) => token === this.#token && this.events.batch(() => this.#urlFailed(cause)),
    );
  }

  #open(url: string | URL): void {
    try {
      this.#socket = listen(dial((this.#href = checkUrl(url, "URL_ERROR")), this.o, this.features), this.#listener);
    } catch (cause) {
      this.#urlFailed(cause);
    }
  }

  #urlFailed(cause: unknown): void {
    this.events.emit("error", cause instanceof LifelineError ? cause : new LifelineError("URL_ERROR", `the url function failed: ${describe(cause)}`, { cause }));
    this.#lost(lostWith(ABNORMAL, "url error"));
  }

  /** One listener function per client for every socket it opens (an object's `handleEvent` costs more per event in Node). */
  readonly #listener = (event: SocketEvent): void => {
    // late events of a socket already let go are ignored
    if (event.target !== undefined && event.target !== this.#socket) return;
    if (event.type === "message") return this.#receive(event.data);
    this.events.batch(() =>
      event.type === "open"
        ? this.#onOpen()
        : // Node 22 fires only `error` for a refused attempt, and browsers fire `error` just before an abnormal `close`: either way the socket is finished
          this.#lost(event.type === "close" ? lostWith(closeCode(event.code), String(event.reason ?? ""), Boolean(event.wasClean)) : lostWith(ABNORMAL, "")),
    );
  };

  #onOpen(): void {
    listenWhileOpen(this.#socket!, this.#listener);
    const attempt = this.#retries + 1;
    this.#go("open", this.#beat());
    this.#openedAt = this.#heard = this.o.clock.now();
    this.#each("open");
    this.flush();
    // a handshake or the flush may have found the socket dead already
    if (!this.isOpen()) return;
    this.events.emit("open", { attempt });
    for (const waiter of this.#waiters?.splice(0) ?? []) waiter.resolve();
  }

  /** Stops listening to the current socket and closes it; a connection that lasted `resetAfter` was stable, so the retry count starts over. */
  #release(code = 1000, reason = ""): void {
    if (this.isOpen() && this.o.clock.now() - this.#openedAt >= this.o.backoff.resetAfter) this.#retries = 0;
    this.#token++;
    const ws = this.#socket;
    if (!ws) return;
    // forgotten first: a socket that dispatches `close` from inside close() (no standard one does) is already stale
    this.#socket = undefined;
    releaseSocket(ws, this.#listener, code, reason);
    this.#each("lost");
  }

  /** The socket failed, closed, timed out or was declared dead (`force`: reconnect whatever the policy says). */
  #lost(info: CloseInfo, force = false): void {
    const failed = this.#phase === "connecting" || this.#phase === "retrying";
    this.#release(1000, info.reason === "heartbeat timeout" ? info.reason : "");
    const o = this.o;
    const attempt = ++this.#retries;
    if (failed && info.reason !== "url error") this.events.emit("error", attemptFailed(info.reason, this.#href, o.connectTimeout, attempt));
    let again = force;
    if (!force) {
      try {
        again = o.shouldReconnect(info);
      } catch (cause) {
        this.events.emit("error", new LifelineError("HANDLER_ERROR", `shouldReconnect threw: ${describe(cause)}`, { cause }));
      }
    }
    const willReconnect = again && attempt <= o.maxRetries;
    this.events.emit("close", { ...info, willReconnect });
    if (!willReconnect) {
      return this.#stop(gaveUp(attempt, info));
    }
    // a server under load may ask for a longer wait (1013 with retryAfter): at least that, plus the jittered delay
    const delay = (this.#delay = advisedDelay(info) + backoffDelay(o.backoff, attempt, o.random));
    this.#go("waiting", delay);
    this.events.emit("reconnecting", { attempt, delay });
  }

  #stop(error: LifelineError): void {
    if (this.#phase === "closed") return;
    this.#ended = error;
    this.#go("closed");
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#each("stop");
    for (const waiter of this.#waiters?.splice(0) ?? []) waiter.reject(error);
  }

  /** The heartbeat's share of every incoming frame, then the application's (`read`). */
  #receive(data: unknown): void {
    const heartbeat = this.o.heartbeat;
    if (heartbeat) {
      // any frame proves the line is alive; only a pong proves the server speaks the heartbeat
      const now = (this.#heard = this.o.clock.now());
      const pinging = this.#phase === "pinging";
      if (pinging) this.#go("open", this.#beat());
      if (data === heartbeat.pong) {
        this.#answered = true;
        if (pinging) this.events.emit("heartbeat", { rtt: (this.#latency = now - this.#pingAt) });
        return;
      }
      if (data === heartbeat.ping) return void this.write(heartbeat.pong);
    }
    this.read(data);
  }

  /** Writes a frame to the open socket; false (and a reconnect) if the socket refuses it. */
  protected write(frame: Frame): boolean {
    const ws = this.#socket!;
    // the server's close frame is in but its `close` event is not: the frame stays queued for the next line
    // (and a browser would log an error for the write), while the event still brings the server's code
    if (ws.readyState > OPEN) return false;
    try {
      ws.send(frame);
      return true;
    } catch {
      this.events.batch(() => this.#lost(lostWith(ABNORMAL, "send failed")));
      return false;
    }
  }
}
