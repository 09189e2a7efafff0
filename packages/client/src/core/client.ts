// The client: one class (its own emitter, events.ts) holding the phase
// machine with its one timer, the one socket, the heartbeat, retries, the
// outbound queue and the incoming pipeline
// (messages.ts, its base).
//
// Phases, numbered so the public state is a lookup and "open" a comparison:
// 0 idle, 1 closed, 2 connecting, 3 retrying, 4 waiting (a backoff), 5 open,
// 6 pinging (a ping is out), 7 pinging again (the first timed out late: the
// device slept). idle → connecting → open ⇄ pinging; a failure → waiting →
// retrying → open …; closed after close() or giving up. The one timer's
// meaning is the phase's: connect timeout (2, 3), end of the wait (4),
// silence (5), pong timeout (6, 7); `#due` is when it is due.
import type { Client, State } from "./api.js";
import { LifelineError, closedError, describe } from "./errors.js";
import { Events } from "./events.js";
import type { Handler } from "./events.js";
import { EXTEND } from "./extension.js";
import { unanswered } from "./heartbeat.js";
import { Messages } from "./messages.js";
import { resolveOptions } from "./options.js";
import { advisedDelay, attemptFailed, backoffDelay, gaveUp } from "./retry.js";
import { browser, releaseSocket, watch } from "./socket.js";
import type { SocketEvent } from "./socket.js";
import type { ClientOptions, Extension, Feature, Frame, InferInput, InferOutput, Line, ResolvedHeartbeat, StandardSchemaV1, UrlSource, WebSocketLike } from "./types.js";
import { checkUrl, redact } from "./url.js";

/** A timer firing this much later than it was due means the device slept; offline, the wait is re-checked this often. */
const LATE_MS = 1_000;
/** The reason of a line the heartbeat declared dead (it always reconnects, subject to maxRetries). */
const DEAD = "heartbeat timeout";
const STATES: State[] = ["idle", "closed", "connecting", "reconnecting", "reconnecting", "open", "open", "open"];

class LifelineClient<I, O> extends Messages implements Client<I, O> {
  /** The url (and the token in it) is kept private, out of the options: nothing that prints the client shows it. */
  readonly #url: UrlSource;
  /** The one socket open or opening; never more than one. */
  #ws: WebSocketLike | undefined;
  /** What this attempt dialled, for its error message (redacted there); forgotten once open. */
  #href: string | undefined;
  #phase = 0;
  #timer: unknown;
  #due = 0;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
  #openedAt = 0;
  #heard = 0;
  /** Heartbeat calibration: 0 no pong heard yet, 1 one reconnect spent on a server never heard, 2 a pong was heard, 3 pinging given up. */
  #calibration = 0;
  #latency: number | undefined;
  #waiters: Array<[() => void, (error: LifelineError) => void]> | undefined;
  /** Why the client stopped (set whenever the phase is closed): `CLOSED`, or `GAVE_UP` with its story. */
  #ended: LifelineError | undefined;

  constructor(options: ClientOptions<any, any>) {
    super(resolveOptions(options));
    this.#url = options.url;
    const o = this.options;
    if ((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" && o.debug) this.log = o.debug === true ? (line) => console.debug(line) : o.debug;
    for (const feature of [o.share, o.delivery]) if (feature) this[EXTEND](feature);
    if (o.autoConnect) this.connect();
    // the first attempt's events wait for handlers attached right after createClient returns
    this.hold();
  }

  get state(): State {
    return STATES[this.#phase]!;
  }

  get latency(): number | undefined {
    return this.#latency;
  }

  /** True while a socket is open (the Line's `isOpen`, see extension.ts). @internal */
  get isOpen(): boolean {
    return this.#phase > 4;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => (this.#phase > 4 ? resolve() : this.#phase === 1 ? reject(this.#ended) : (this.#waiters ??= []).push([resolve, reject])));
  }

  connect(): void {
    this.run(() => {
      if (this.#phase > 1) return;
      this.#retries = this.#calibration = 0;
      this.hook("start");
      // `online`, or the page becoming visible, cuts a pending backoff short (the listener)
      watch("addEventListener", this.listener);
      this.#attempt(2);
    });
  }

  reconnect(): void {
    this.run(() => {
      if (this.#phase < 2) return this.connect();
      if (this.#release()) this.emit("close", { code: 1000, reason: "reconnect", wasClean: true, willReconnect: true });
      this.#attempt(3);
    });
  }

  close(code = 1000, reason = ""): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new LifelineError("INVALID_OPTIONS", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `close code must be 1000 or 3000–4999, got ${describe(code)}` : `close code ${describe(code)}`);
    }
    this.run(() => {
      if (this.#phase > 4) this.hook("closing");
      if (this.#release(code, reason) && this.#phase !== 1) this.emit("close", { code, reason, wasClean: true, willReconnect: false });
      this.#stop(closedError());
    });
  }

  onType(type: unknown, handler: Handler): () => void {
    return this.on("message", (message: { type?: unknown } | null) => message?.type === type && handler(message));
  }

  /** Subscribed at once (nothing between this call and the first `next()` is missed); ends once the client is closed. */
  [Symbol.asyncIterator](): AsyncGenerator<I, void, undefined> {
    const client = this;
    const buffer: I[] = [];
    let wake = (_?: unknown) => {};
    // every state change wakes the consumer (it waits again unless closed or something came)
    const stops = [this.on("message", (message: I) => wake(buffer.push(message))), this.on("state", (change) => wake(change))];
    return (async function* () {
      try {
        while (buffer.length || client.#phase !== 1) buffer.length ? yield buffer.shift()! : await new Promise((resolve) => (wake = resolve));
      } finally {
        stops.map((stop) => stop());
      }
    })();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
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
      this.run(() => this.#lost(1006, "send failed"));
      return false;
    }
  }

  /**
   * The one callback of a client: the listener of every socket it opens and
   * of the browser's hints, and, called with no event, its timer's.
   */
  protected readonly listener = (event?: SocketEvent): void => {
    if (!event) return this.run(() => this.#tick());
    const ws = this.#ws;
    const type = event.type;
    // a browser hint (`online`, the page visible) cuts a pending backoff short; a late event of a socket let go is ignored
    if (event.target !== undefined && event.target !== ws) {
      if (this.#phase === 4 && (type === "online" || (type === "visibilitychange" && browser.document?.visibilityState === "visible"))) this.run(() => this.#attempt(3));
      return;
    }
    if (type === "message") return this.#frame(event.data);
    this.run(() => {
      // a close code outside 1000–4999 (Deno says 0 for a refused handshake) is reported as 1006;
      // Node 22 fires only `error` for a refused attempt, and browsers fire `error` just before an abnormal `close`: either way the socket is finished
      if (type !== "open") return this.#lost(type === "close" && event.code! >= 1000 && event.code! <= 4999 ? event.code! : 1006, String(event.reason ?? ""), !!event.wasClean);
      // open, its `open` and `error` listeners are no longer needed (each costs ~200 B in Node's EventTarget): every
      // runtime follows an `error` with a `close` once open, and a line gone silent is the heartbeat's to find
      ws!.removeEventListener("open", this.listener);
      ws!.removeEventListener("error", this.listener);
      const attempt = this.#retries + 1;
      this.#href = undefined;
      this.#go(5, this.#beat());
      this.#openedAt = this.#heard = this.options.clock.now();
      this.hook("open");
      this.flush();
      // a handshake or the flush may have found the socket dead already
      if (this.#phase < 5) return;
      this.emit("open", { attempt });
      this.#settle();
    });
  };

  /** Enters `phase` (and arms its timer for `ms`, when given). */
  #go(phase: number, ms?: number): void {
    const from = this.state;
    this.#phase = phase;
    this.#arm(ms);
    const to = this.state;
    if (from !== to) this.emit("state", { from, to });
  }

  /** The one timer: cleared, then armed for `ms` when given (its handle is also the token of the attempt it was armed for). */
  #arm(ms?: number): void {
    const clock = this.options.clock;
    clock.clearTimeout(this.#timer);
    this.#due = clock.now() + ms!;
    this.#timer = ms === undefined ? ms : clock.setTimeout(this.listener, ms);
  }

  /** The heartbeat's interval while it runs. */
  #beat(): number | undefined {
    const { heartbeat } = this.options;
    return heartbeat && this.#calibration < 3 ? heartbeat.interval : undefined;
  }

  /** The phase's timer fired: connect timeout, end of the backoff wait, heartbeat interval or heartbeat timeout. */
  #tick(): void {
    const phase = this.#phase;
    const now = this.options.clock.now();
    const heartbeat = this.options.heartbeat as ResolvedHeartbeat;
    const late = now - this.#due > LATE_MS;
    if (phase < 4) return this.#lost(1006, "connect timeout");
    // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
    if (phase < 5) return browser.navigator?.onLine !== false ? this.#attempt(3) : this.#arm(LATE_MS);
    if (phase < 6) {
      // the timer is not restarted per frame (two timer calls per message): it re-arms for the silence left,
      // and pings after a whole interval of silence, or at once when it fired late (the device slept)
      const silence = now - this.#heard;
      return late || silence >= heartbeat.interval ? this.#ping(6) : this.#arm(heartbeat.interval - silence);
    }
    // nothing heard since the ping: the line is dead, unless the timer fired late (the device slept, so the
    // silence proves nothing yet) and this was not already the second ping
    if (phase < 7 && late) return this.#ping(7);
    // a server never heard answering costs one reconnect; after that it does not speak the heartbeat
    if (this.#calibration !== 1) {
      this.#calibration ||= 1;
      return this.#lost(1006, DEAD);
    }
    this.#calibration = 3;
    this.#go(5);
    this.emit("error", new LifelineError("HEARTBEAT_UNANSWERED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? unanswered(heartbeat) : `heartbeat "${heartbeat.ping}"/"${heartbeat.pong}"`));
  }

  /** Sends a ping and enters `phase` (6, or 7 for the second ping after a late timer), due `timeout` ms from now. */
  #ping(phase: number): void {
    const heartbeat = this.options.heartbeat as ResolvedHeartbeat;
    this.write(heartbeat.ping);
    // the timeout runs even when the ping could not go out: the line is then given up as for any silence
    if (this.#phase > 4) this.#go(phase, heartbeat.timeout);
  }

  /** The heartbeat's share of every incoming frame, then the application's (messages.ts). */
  #frame(data: unknown): void {
    const heartbeat = this.options.heartbeat;
    if (heartbeat) {
      // any frame proves the line is alive; only a pong proves the server speaks the heartbeat
      const now = (this.#heard = this.options.clock.now());
      const pinging = this.#phase > 5;
      // the ping went out `timeout` ms before the pinging phase's due time
      const rtt = now - this.#due + heartbeat.timeout;
      if (pinging) this.#go(5, this.#beat());
      if (data === heartbeat.pong) {
        if (this.#calibration < 3) this.#calibration = 2;
        if (pinging) this.emit("heartbeat", { rtt: (this.#latency = rtt) });
        return;
      }
      if (data === heartbeat.ping) return void this.write(heartbeat.pong);
    }
    this.read(data);
  }

  /** A new attempt (phase 2 connecting, 3 retrying): the url (a function is called now, a promise waited for), then the socket. */
  #attempt(phase: number): void {
    this.#release();
    this.#go(phase, this.options.connectTimeout);
    this.#href = undefined;
    const token = this.#timer;
    const url = this.#url;
    let target: string | URL | Promise<string | URL>;
    try {
      target = typeof url === "function" ? url() : url;
    } catch (cause) {
      return this.#urlFailed(cause);
    }
    if (typeof (target as Promise<unknown> | null)?.then !== "function") return this.#dial(target as string | URL);
    (target as Promise<string | URL>).then(
      (resolved) => token === this.#timer && this.run(() => this.#dial(resolved)),
      (cause: unknown) => token === this.#timer && this.run(() => this.#urlFailed(cause)),
    );
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
      this.#urlFailed(cause);
    }
  }

  /**
   * The url function threw, rejected or gave a bad URL, or no socket could be
   * made for the URL (`#href` set): a constructor's message may quote the URL
   * or pieces of it (browsers do), so it is passed on masked, and kept as the
   * cause only when it quotes no secret.
   */
  #urlFailed(cause: unknown): void {
    const href = this.#href;
    const said = describe(cause);
    const masked = href ? redact(href, said) : said;
    this.emit(
      "error",
      cause instanceof LifelineError
        ? cause
        : new LifelineError("URL_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? (href ? `cannot open a WebSocket to ${redact(href)}: ${masked}` : `the url function failed: ${masked}`) : masked, masked === said ? { cause } : undefined),
    );
    this.#lost(1006, "url error");
  }

  /**
   * Lets the socket go, never waiting for its `close` (a half-open peer may
   * never send one); true when there was one. A connection that lasted
   * `resetAfter` was stable, so the retry count starts over.
   */
  #release(code = 1000, reason = ""): boolean {
    const ws = this.#ws;
    if (this.#phase > 4 && this.options.clock.now() - this.#openedAt >= this.options.backoff.resetAfter) this.#retries = 0;
    if (!ws) return false;
    // forgotten first: a socket that dispatches `close` from inside close() (no standard one does) is already stale
    this.#ws = undefined;
    releaseSocket(ws, this.listener, code, reason);
    this.hook("lost");
    return true;
  }

  /** The socket failed, closed, timed out or was declared dead (the heartbeat's timeout: reconnect whatever the policy says). */
  #lost(code: number, reason: string, wasClean = false): void {
    const info = { code, reason, wasClean };
    const o = this.options;
    const failed = this.#phase > 1 && this.#phase < 4;
    let again = reason === DEAD;
    this.#release(1000, again ? reason : "");
    const attempt = ++this.#retries;
    if (failed && reason !== "url error") {
      const where = this.#href ? redact(this.#href) : "the url";
      this.emit("error", new LifelineError(reason === "connect timeout" ? "CONNECT_TIMEOUT" : "CONNECT_FAILED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? attemptFailed(reason, where, o.connectTimeout, attempt) : `${where} ${attempt}`));
    }
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
    this.#go(4, delay);
    this.emit("reconnecting", { attempt, delay });
  }

  #stop(error: LifelineError): void {
    if (this.#phase === 1) return;
    this.#ended = error;
    this.#go(1);
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

/**
 * Creates a client that connects (unless `autoConnect: false`), reconnects
 * with jittered backoff, checks the line with a heartbeat and queues what is
 * sent while it is down. Throws `INVALID_OPTIONS` or `NO_WEBSOCKET` at once
 * for options it cannot use. Events of the first attempt are held until the
 * caller's code has run (the next microtask), so handlers attached right
 * after `createClient` returns hear them.
 *
 * @example
 * const client = createClient({ url: "wss://example.test/ws", incoming: Incoming });
 * client.onType("chat", (msg) => console.log(msg.text));
 * client.send({ type: "chat", text: "hi" });
 */
export function createClient<In extends StandardSchemaV1 = StandardSchemaV1<unknown>, Out extends StandardSchemaV1 = StandardSchemaV1<unknown>>(
  options: ClientOptions<In, Out>,
): Client<InferOutput<In>, InferInput<Out>> {
  return new LifelineClient<InferOutput<In>, InferInput<Out>>(options);
}
