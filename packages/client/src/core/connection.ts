// The phase machine of the client: its one timer (connect timeout, backoff
// wait, heartbeat interval, heartbeat timeout: the phase says which) and one
// due time, what the socket's events mean (attempts.ts holds the socket),
// the heartbeat with its calibration, retries and giving up, and the
// lifecycle (connect, reconnect, close, opened). client.ts extends it with
// what the application touches (queue, incoming pipeline, features).
//
// Phases, numbered so the public state is a lookup and "open" a comparison:
// 0 idle, 1 closed, 2 connecting, 3 retrying, 4 waiting (a backoff), 5 open,
// 6 pinging (a ping is out), 7 pinging again (the first timed out late: the
// device slept). idle → connecting → open ⇄ pinging; a failure → waiting →
// retrying → open …; closed after close() or giving up.
import type { State } from "./api.js";
import { Attempts } from "./attempts.js";
import { browser, watchBrowser } from "./browser.js";
import { LifelineError, closedError, describe } from "./errors.js";
import { unanswered } from "./heartbeat.js";
import { advisedDelay, attemptFailed, backoffDelay, gaveUp } from "./retry.js";
import type { ResolvedHeartbeat } from "./types.js";

/** A timer firing this much later than it was due means the device slept. */
const LATE_MS = 1_000;

/** The reason of a line the heartbeat declared dead (it always reconnects, subject to maxRetries). */
const DEAD = "heartbeat timeout";

const STATES: State[] = ["idle", "closed", "connecting", "reconnecting", "reconnecting", "open", "open", "open"];

export abstract class Connection extends Attempts {
  #phase = 0;
  #timer: unknown;
  #due = 0;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
  #delay = 0;
  #openedAt = 0;
  #heard = 0;
  /** Heartbeat calibration: 0 no pong heard yet, 1 one reconnect spent on a server never heard, 2 a pong was heard, 3 pinging given up. */
  #calibration = 0;
  #latency: number | undefined;
  #waiters: Array<[() => void, (error: LifelineError) => void]> | undefined;
  /** Why the client stopped (set whenever the phase is closed): `CLOSED`, or `GAVE_UP` with its story. */
  #ended: LifelineError | undefined;

  /** Sends what the queue holds (client.ts). */
  abstract flush(): void;
  /** An application frame came in (client.ts). */
  protected abstract read(data: unknown): void;

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
    return this.#phase > 4 ? Promise.resolve() : this.#phase === 1 ? Promise.reject(this.#ended) : new Promise((resolve, reject) => (this.#waiters ??= []).push([resolve, reject]));
  }

  connect(): void {
    this.run(() => {
      if (this.#phase > 1) return;
      this.#retries = this.#calibration = 0;
      this.hook("start");
      // `online`, or the page becoming visible, cuts a pending backoff short (onEvent)
      watchBrowser("addEventListener", this.listener);
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

  /** Enters `phase`; the phase left takes its timer with it, `ms` arms the new one. */
  #go(phase: number, ms?: number): void {
    this.o.clock.clearTimeout(this.#timer);
    const from = this.state;
    this.#phase = phase;
    if (ms !== undefined) this.#arm(ms);
    const to = this.state;
    if (from !== to) this.emit("state", { from, to });
  }

  #arm(ms: number): void {
    this.#due = this.o.clock.now() + ms;
    this.#timer = this.o.clock.setTimeout(this.listener, ms);
  }

  /** The heartbeat's interval while it runs. */
  #beat(): number | undefined {
    const { heartbeat } = this.o;
    return heartbeat && this.#calibration < 3 ? heartbeat.interval : undefined;
  }

  /** An event not of the current socket: a browser hint cuts a pending backoff short; a late event of a socket let go is ignored. */
  protected onOther(type: string): void {
    if (this.#phase === 4 && (type === "online" || (type === "visibilitychange" && browser.document?.visibilityState === "visible"))) this.run(() => this.#attempt(3));
  }

  /** The phase's timer fired: connect timeout, end of the backoff wait, heartbeat interval or heartbeat timeout. */
  protected onTimer(): void {
    this.run(() => {
      const phase = this.#phase;
      const now = this.o.clock.now();
      const heartbeat = this.o.heartbeat as ResolvedHeartbeat;
      if (phase < 4) return this.onLost(1006, "connect timeout");
      // while the browser says it is offline, no attempt is spent; `online` cuts the wait short
      if (phase < 5) return browser.navigator?.onLine !== false ? this.#attempt(3) : this.#arm(Math.max(this.#delay, 1_000));
      if (phase < 6) {
        // the timer is not restarted per frame (two timer calls per message): it re-arms for the silence left,
        // and pings after a whole interval of silence, or at once when it fired late (the device slept)
        const silence = now - this.#heard;
        return now - this.#due > LATE_MS || silence >= heartbeat.interval ? this.#ping(6) : this.#arm(heartbeat.interval - silence);
      }
      // nothing heard since the ping: the line is dead, unless the timer fired late (the device slept, so the
      // silence proves nothing yet) and this was not already the second ping
      if (phase < 7 && now - this.#due > LATE_MS) return this.#ping(7);
      // a server never heard answering costs one reconnect; after that it does not speak the heartbeat
      if (this.#calibration !== 1) {
        this.#calibration ||= 1;
        return this.onLost(1006, DEAD);
      }
      this.#calibration = 3;
      this.#go(5);
      this.emit("error", new LifelineError("HEARTBEAT_UNANSWERED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? unanswered(heartbeat) : `heartbeat "${heartbeat.ping}"/"${heartbeat.pong}"`));
    });
  }

  /** Sends a ping and enters `phase` (6, or 7 for the second ping after a late timer), due `timeout` ms from now. */
  #ping(phase: number): void {
    const heartbeat = this.o.heartbeat as ResolvedHeartbeat;
    this.write(heartbeat.ping);
    // the timeout runs even when the ping could not go out: the line is then given up as for any silence
    if (this.#phase > 4) this.#go(phase, heartbeat.timeout);
  }

  #attempt(phase: number): void {
    this.#release();
    this.#go(phase, this.o.connectTimeout);
    this.dial();
  }

  protected onOpen(): void {
    const attempt = this.#retries + 1;
    this.#go(5, this.#beat());
    this.#openedAt = this.#heard = this.o.clock.now();
    this.hook("open");
    this.flush();
    // a handshake or the flush may have found the socket dead already
    if (this.#phase < 5) return;
    this.emit("open", { attempt });
    this.#settle();
  }

  /** Lets the socket go (attempts.ts); a connection that lasted `resetAfter` was stable, so the retry count starts over. */
  #release(code?: number, reason?: string): boolean {
    if (this.#phase > 4 && this.o.clock.now() - this.#openedAt >= this.o.backoff.resetAfter) this.#retries = 0;
    return this.release(code, reason);
  }

  /** The socket failed, closed, timed out or was declared dead (the heartbeat's timeout: reconnect whatever the policy says). */
  protected onLost(code: number, reason: string, wasClean = false): void {
    const info = { code, reason, wasClean };
    const failed = this.#phase > 1 && this.#phase < 4;
    const force = reason === DEAD;
    this.#release(1000, force ? reason : "");
    const o = this.o;
    const attempt = ++this.#retries;
    if (failed && reason !== "url error") {
      this.emit("error", new LifelineError(reason === "connect timeout" ? "CONNECT_TIMEOUT" : "CONNECT_FAILED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? attemptFailed(reason, this.where(), o.connectTimeout, attempt) : `${this.where()} ${attempt}`));
    }
    let again = force;
    if (!force) {
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
    const delay = (this.#delay = advisedDelay(info) + backoffDelay(o.backoff, attempt, o.random));
    this.#go(4, delay);
    this.emit("reconnecting", { attempt, delay });
  }

  #stop(error: LifelineError): void {
    if (this.#phase === 1) return;
    this.#ended = error;
    this.#go(1);
    watchBrowser("removeEventListener", this.listener);
    this.hook("stop");
    this.#settle(error);
  }

  /** Resolves every `opened()` waiting, or rejects them with `error`; an idle client keeps no empty list. */
  #settle(error?: LifelineError): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    for (const [resolve, reject] of waiters ?? []) error ? reject(error) : resolve();
  }

  /** The heartbeat's share of every incoming frame, then the application's (`read`). */
  protected onFrame(data: unknown): void {
    const heartbeat = this.o.heartbeat;
    if (heartbeat) {
      // any frame proves the line is alive; only a pong proves the server speaks the heartbeat
      const now = (this.#heard = this.o.clock.now());
      const pinging = this.#phase > 5;
      // the ping went out `timeout` ms before the pinging phase's due time
      const rtt = pinging ? now - this.#due + heartbeat.timeout : 0;
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
}
