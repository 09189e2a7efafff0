// The line: the phase machine with its one timer, the one socket and how an
// attempt gets it (the url resolved per attempt), retries and giving up, and
// the lifecycle (connect, reconnect, close, opened). Its base (messages.ts)
// holds what is sent and received; heartbeat.ts extends it.
//
// Phases, numbered so the public state is a lookup and "open" a comparison:
// 0 idle, 1 closed, 2 connecting, 3 retrying, 4 waiting (a backoff), 5 open,
// 6 pinging, 7 pinging again (the first ping timed out late: the device
// slept). The one timer's meaning is the phase's: connect timeout (2, 3), end
// of the wait (4), silence (5), pong timeout (6, 7); `due` is when it is due.
import type { State } from "./api.js";
import { LifelineError, closedError, describe } from "./errors.js";
import { Messages } from "./messages.js";
import { advisedDelay, attemptFailed, backoffDelay, gaveUp } from "./retry.js";
import { browser, releaseSocket, resolveUrl, urlError, watch } from "./socket.js";
import type { SocketEvent } from "./socket.js";
import type { Frame, ResolvedOptions, UrlSource, WebSocketLike } from "./types.js";
import { checkUrl, redact } from "./url.js";

/** A timer firing this much later than it was due means the device slept; offline, the wait is re-checked this often. */
const LATE_MS = 1_000;
/** The reason of a line the heartbeat declared dead (it always reconnects, subject to maxRetries). */
export const DEAD = "heartbeat timeout";
const STATES: State[] = ["idle", "closed", "connecting", "reconnecting", "reconnecting", "open", "open", "open"];

export abstract class Connection extends Messages {
  /** The url (and the token in it) is kept private, out of the options: nothing that prints the client shows it. */
  readonly #url: UrlSource;
  /** The one socket open or opening; never more than one. */
  #ws: WebSocketLike | undefined;
  /** What this attempt dialled, for its error message (redacted there); forgotten once open. */
  #href: string | undefined;
  /** The phase (see above). */
  protected phase = 0;
  #timer: unknown;
  /** When the phase's timer is due. */
  protected due = 0;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
  #openedAt = 0;
  #waiters: Array<[() => void, (error: LifelineError) => void]> | undefined;
  /** Why the client stopped (set whenever the phase is closed): `CLOSED`, or `GAVE_UP` with its story. */
  #ended: LifelineError | undefined;

  constructor(options: ResolvedOptions, url: UrlSource) {
    super(options);
    this.#url = url;
  }

  // The heartbeat's (heartbeat.ts): connect() judges the server afresh; a line opened at `now` arms the open
  // phase's timer for the interval it gives; the open or pinging phase's timer fired (`late`: a second after due).
  protected abstract restart(): void;
  protected abstract opening(now: number): number | undefined;
  protected abstract pulse(now: number, late: boolean): void;

  get state(): State {
    return STATES[this.phase]!;
  }

  /** True while a socket is open (the Line's `isOpen`, see extension.ts). @internal */
  get isOpen(): boolean {
    return this.phase > 4;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => (this.phase > 4 ? resolve() : this.phase === 1 ? reject(this.#ended) : (this.#waiters ??= []).push([resolve, reject])));
  }

  connect(): void {
    this.run(() => {
      if (this.phase > 1) return;
      // counting starts over, and the heartbeat judges the server afresh
      this.#retries = 0;
      this.restart();
      this.hook("start");
      // `online`, or the page becoming visible, cuts a pending backoff short (the listener)
      watch("addEventListener", this.listener);
      this.#attempt(2);
    });
  }

  reconnect(): void {
    this.run(() => {
      if (this.phase < 2) return this.connect();
      if (this.#release()) this.emit("close", { code: 1000, reason: "reconnect", wasClean: true, willReconnect: true });
      this.#attempt(3);
    });
  }

  close(code = 1000, reason = ""): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new LifelineError("INVALID_OPTIONS", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `close code must be 1000 or 3000–4999, got ${describe(code)}` : `close code ${describe(code)}`);
    }
    this.run(() => {
      if (this.phase > 4) this.hook("closing");
      if (this.#release(code, reason) && this.phase !== 1) this.emit("close", { code, reason, wasClean: true, willReconnect: false });
      this.#stop(closedError());
    });
  }

  /** Writes a frame to the open socket; false (and the line given up) if the socket refuses it. @internal */
  write(frame: Frame): boolean {
    const ws = this.#ws!;
    // the server's close frame is in but its `close` event is not: the frame stays queued for the next line
    // (and a browser would log an error for the write), while the event still brings the server's code
    if (ws.readyState > 1) return false;
    try {
      ws.send(frame);
      return true;
    } catch {
      this.run(() => this.lost(1006, "send failed"));
      return false;
    }
  }

  /** The one callback of a client: the listener of every socket it opens and of the browser's hints, and, called with no event, its timer's. */
  protected readonly listener = (event?: SocketEvent): void => {
    if (!event) return this.run(() => this.#tick());
    const ws = this.#ws;
    const type = event.type;
    // a browser hint (`online`, the page visible) cuts a pending backoff short; a late event of a socket let go is ignored
    if (event.target !== undefined && event.target !== ws) {
      if (this.phase === 4 && (type === "online" || (type === "visibilitychange" && browser.document?.visibilityState === "visible"))) this.run(() => this.#attempt(3));
      return;
    }
    if (type === "message") return this.read(event.data);
    this.run(() => {
      // a close code outside 1000–4999 (Deno says 0 for a refused handshake) is reported as 1006;
      // Node 22 fires only `error` for a refused attempt, and browsers fire `error` just before an abnormal `close`: either way the socket is finished
      if (type !== "open") return this.lost(type === "close" && event.code! >= 1000 && event.code! <= 4999 ? event.code! : 1006, event.reason ?? "", event.wasClean);
      // open, its `open` and `error` listeners are no longer needed (each costs ~200 B in Node's EventTarget): every
      // runtime follows an `error` with a `close` once open, and a line gone silent is the heartbeat's to find
      ws!.removeEventListener("open", this.listener);
      ws!.removeEventListener("error", this.listener);
      const attempt = this.#retries + 1;
      this.#href = undefined;
      const now = (this.#openedAt = this.options.clock.now());
      this.go(5, this.opening(now));
      this.hook("open");
      this.flush();
      // a handshake or the flush may have found the socket dead already
      if (this.phase < 5) return;
      this.emit("open", { attempt });
      this.#settle();
    });
  };

  /** Enters `phase` (and arms its timer for `ms`, when given). */
  protected go(phase: number, ms?: number): void {
    const from = this.state;
    this.phase = phase;
    this.arm(ms);
    const to = this.state;
    if (from !== to) this.emit("state", { from, to });
  }

  /** The one timer: cleared, then armed for `ms` when given (its handle is also the token of the attempt it was armed for). */
  protected arm(ms?: number): void {
    const clock = this.options.clock;
    clock.clearTimeout(this.#timer);
    this.due = clock.now() + ms!;
    this.#timer = ms === undefined ? ms : clock.setTimeout(this.listener, ms);
  }

  /** The phase's timer fired: connect timeout, end of the backoff wait, or the heartbeat's. */
  #tick(): void {
    const now = this.options.clock.now();
    if (this.phase < 4) return this.lost(1006, "connect timeout");
    // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
    if (this.phase < 5) return browser.navigator?.onLine !== false ? this.#attempt(3) : this.arm(LATE_MS);
    // a timer that fires more than a second late: the device slept
    this.pulse(now, now - this.due > LATE_MS);
  }

  /** A new attempt (phase 2 connecting, 3 retrying): the url (a function is called now, a promise waited for), then the socket. */
  #attempt(phase: number): void {
    this.#release();
    this.go(phase, this.options.connectTimeout);
    this.#href = undefined;
    const token = this.#timer;
    resolveUrl(this.#url, (url) => token === this.#timer && this.run(() => this.#dial(url)), (cause) => token === this.#timer && this.run(() => this.lost(1006, "url error", false, cause)));
  }

  #dial(url: string | URL): void {
    try {
      const href = (this.#href = checkUrl(url, "URL_ERROR"));
      const { WebSocket, protocols } = this.options;
      // a feature may supply the socket (a relay to another tab)
      const ws = (this.#ws = this.hook("socket", href, protocols) ?? new WebSocket(href, protocols));
      ws.binaryType = "arraybuffer";
      for (const type of ["open", "close", "error", "message"]) ws.addEventListener(type, this.listener);
    } catch (cause) {
      this.lost(1006, "url error", false, cause);
    }
  }

  /** Lets the socket go, never waiting for a `close` a half-open peer may never send; true when there was one. A connection that lasted `resetAfter` was stable: the retry count starts over. */
  #release(code = 1000, reason = ""): boolean {
    const ws = this.#ws;
    if (this.phase > 4 && this.options.clock.now() - this.#openedAt >= this.options.backoff.resetAfter) this.#retries = 0;
    if (!ws) return false;
    // forgotten first: a socket that dispatches `close` from inside close() (no standard one does) is already stale
    this.#ws = undefined;
    releaseSocket(ws, this.listener, code, reason);
    this.hook("lost");
    return true;
  }

  /** The socket failed, closed or timed out, its url failed (`cause`), or the heartbeat declared it dead (reconnect whatever the policy says). */
  protected lost(code: number, reason: string, wasClean = false, cause?: unknown): void {
    const info = { code, reason, wasClean };
    const o = this.options;
    const failed = this.phase > 1 && this.phase < 4;
    let again = reason === DEAD;
    this.#release(1000, again ? reason : "");
    const attempt = ++this.#retries;
    const href = this.#href;
    const where = href ? redact(href) : "the url";
    // an attempt that did not open says why, once
    if (failed) this.emit("error", reason === "url error" ? urlError(cause, href) : new LifelineError(reason === "connect timeout" ? "CONNECT_TIMEOUT" : "CONNECT_FAILED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? attemptFailed(reason, where, o.connectTimeout, attempt) : `${where} ${attempt}`));
    if (!again) {
      try {
        again = o.shouldReconnect(info);
      } catch (cause) {
        this.emit("error", new LifelineError("HANDLER_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `shouldReconnect threw: ${describe(cause)}` : describe(cause), { cause }));
      }
    }
    const willReconnect = again && attempt <= o.maxRetries;
    this.emit("close", { ...info, willReconnect });
    if (!willReconnect) return this.#stop(new LifelineError("GAVE_UP", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? gaveUp(attempt, code, reason) : `${attempt} ${code} ${reason}`));
    // a server under load may ask for a longer wait (1013 with retryAfter): at least that, plus the jittered delay
    const delay = advisedDelay(info) + backoffDelay(o.backoff, attempt, o.random);
    this.go(4, delay);
    this.emit("reconnecting", { attempt, delay });
  }

  #stop(error: LifelineError): void {
    if (this.phase === 1) return;
    this.#ended = error;
    this.go(1);
    watch("removeEventListener", this.listener);
    this.hook("stop");
    this.#settle(error);
  }

  /** Resolves every `opened()` waiting, or rejects them with `error`; an idle client keeps no empty list. */
  #settle(error?: LifelineError): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    for (const [resolve, reject] of waiters ?? []) error ? reject(error) : resolve();
  }
}

