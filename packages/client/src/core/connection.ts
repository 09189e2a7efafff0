// The phase machine of the client: its one timer (connect timeout, backoff
// wait, heartbeat interval, heartbeat timeout: the phase says which) and one
// due time, what the socket's events mean (attempts.ts holds the socket),
// the heartbeat with its calibration, retries and giving up, and the
// lifecycle (connect, reconnect, close, opened). client.ts extends it with
// what the application touches (events, queue, incoming pipeline, features).
//
// Phases: idle → connecting → open ⇄ pinging; a failure → waiting →
// retrying → open …; closed after close() or giving up. Public states:
// retrying and waiting are "reconnecting", pinging is "open".
import type { State } from "./api.js";
import { Attempts, lostWith } from "./attempts.js";
import { isOnline, watchBrowser } from "./browser.js";
import { LifelineError, closedError, describe } from "./errors.js";
import { isDead, unanswered, untilPing } from "./heartbeat.js";
import { advisedDelay, attemptFailed, backoffDelay, gaveUp } from "./retry.js";
import type { CloseInfo, ResolvedHeartbeat } from "./types.js";

type Phase = "idle" | "connecting" | "retrying" | "waiting" | "open" | "pinging" | "closed";

const ABNORMAL = 1006;
/** While offline, how often `navigator.onLine` is re-read at most (a drawn delay of 0 would otherwise spin). */
const OFFLINE_RECHECK_MS = 1_000;

export abstract class Connection extends Attempts {
  #phase: Phase = "idle";
  #timer: unknown;
  #due = 0;
  /** Failed (or short-lived) connections in a row. */
  #retries = 0;
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
      if (this.#release()) this.events.emit("close", { ...lostWith(1000, "reconnect", true), willReconnect: true });
      this.#attempt("retrying");
    });
  }

  close(code = 1000, reason = ""): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new LifelineError("INVALID_OPTIONS", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `close code must be 1000 or 3000–4999, got ${describe(code)}` : `close code ${describe(code)}`);
    }
    this.events.batch(() => {
      if (this.isOpen()) this.#each("closing");
      const hadSocket = this.#release(code, reason);
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
          return this.onLost(lostWith(ABNORMAL, "connect timeout"));
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
          if (this.#answered || this.#unanswered++ === 0) return this.onLost(lostWith(ABNORMAL, "heartbeat timeout"), true);
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
    this.#go(phase, this.o.connectTimeout);
    this.dial();
  }

  protected onOpen(): void {
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

  /** Lets the socket go (attempts.ts); a connection that lasted `resetAfter` was stable, so the retry count starts over. */
  #release(code?: number, reason?: string): boolean {
    if (this.isOpen() && this.o.clock.now() - this.#openedAt >= this.o.backoff.resetAfter) this.#retries = 0;
    return this.release(code, reason);
  }

  /** The socket failed, closed, timed out or was declared dead (`force`: reconnect whatever the policy says). */
  protected onLost(info: CloseInfo, force = false): void {
    const failed = this.#phase === "connecting" || this.#phase === "retrying";
    this.#release(1000, info.reason === "heartbeat timeout" ? info.reason : "");
    const o = this.o;
    const attempt = ++this.#retries;
    if (failed && info.reason !== "url error") this.events.emit("error", attemptFailed(info.reason, this.where(), o.connectTimeout, attempt));
    let again = force;
    if (!force) {
      try {
        again = o.shouldReconnect(info);
      } catch (cause) {
        this.events.emit("error", new LifelineError("HANDLER_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `shouldReconnect threw: ${describe(cause)}` : describe(cause), { cause }));
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
  protected onFrame(data: unknown): void {
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

}
