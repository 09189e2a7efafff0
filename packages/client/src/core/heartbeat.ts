// The heartbeat, application level (browsers cannot send protocol pings):
// after `interval` ms of silence the client pings, and a line that then
// stays silent for `timeout` ms is dead. Its two states are phases of the
// line (connection.ts: 5 open, 6 pinging, 7 pinging again after a late
// timer), whose one timer it arms. Also here: answering the server's ping,
// the round trip of each pong (`latency`), and the calibration that keeps a
// server which does not speak the heartbeat from being dropped over and over.
import { Connection, DEAD } from "./connection.js";
import { LifelineError } from "./errors.js";
import type { ResolvedHeartbeat } from "./types.js";

export abstract class Heartbeat extends Connection {
  #heard = 0;
  /** 0 no pong heard yet, 1 one reconnect spent on a server never heard, 2 a pong was heard, 3 pinging given up. */
  #calibration = 0;
  #latency: number | undefined;

  get latency(): number | undefined {
    return this.#latency;
  }

  /** connect(): the server is judged afresh. */
  protected restart(): void {
    this.#calibration = 0;
  }

  /** The interval of the open phase's timer while the heartbeat runs. */
  protected opening(now: number): number | undefined {
    const { heartbeat } = this.options;
    this.#heard = now;
    return heartbeat && this.#calibration < 3 ? heartbeat.interval : undefined;
  }

  protected pulse(now: number, late: boolean): void {
    const heartbeat = this.options.heartbeat as ResolvedHeartbeat;
    if (this.phase < 6) {
      // the timer is not restarted per frame (two timer calls per message): it re-arms for the silence left,
      // and pings after a whole interval of silence, or at once when it fired late (the device slept)
      const silence = now - this.#heard;
      return late || silence >= heartbeat.interval ? this.#ping(6) : this.arm(heartbeat.interval - silence);
    }
    // nothing heard since the ping: the line is dead, unless the timer fired late (the device slept, so the
    // silence proves nothing yet) and this was not already the second ping
    if (this.phase < 7 && late) return this.#ping(7);
    // a server never heard answering costs one reconnect; after that it does not speak the heartbeat
    if (this.#calibration !== 1) {
      this.#calibration ||= 1;
      return this.lost(1006, DEAD);
    }
    this.#calibration = 3;
    this.go(5);
    this.emit("error", new LifelineError("HEARTBEAT_UNANSWERED", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? unanswered(heartbeat) : `heartbeat "${heartbeat.ping}"/"${heartbeat.pong}"`));
  }

  /** Sends a ping and enters `phase` (6, or 7 for the second ping after a late timer), due `timeout` ms from now. */
  #ping(phase: number): void {
    const heartbeat = this.options.heartbeat as ResolvedHeartbeat;
    this.write(heartbeat.ping);
    // the timeout runs even when the ping could not go out: the line is then given up as for any silence
    if (this.phase > 4) this.go(phase, heartbeat.timeout);
  }

  /** Any frame proves the line is alive; only a pong proves the server speaks the heartbeat. Then the application's share (messages.ts). */
  protected override read(data: unknown): void {
    const heartbeat = this.options.heartbeat;
    if (heartbeat) {
      const now = (this.#heard = this.options.clock.now());
      const pinging = this.phase > 5;
      // the ping went out `timeout` ms before the pinging phase's due time
      const rtt = now - this.due + heartbeat.timeout;
      if (pinging) this.go(5, this.opening(now));
      if (data === heartbeat.pong) {
        if (this.#calibration < 3) this.#calibration = 2;
        if (pinging) this.emit("heartbeat", { rtt: (this.#latency = rtt) });
        return;
      }
      if (data === heartbeat.ping) return void this.write(heartbeat.pong);
    }
    super.read(data);
  }
}

/** Development builds: the message of `HEARTBEAT_UNANSWERED`, the one error of a server that never answered a ping (the client stops pinging and keeps the line). */
function unanswered({ ping, pong }: ResolvedHeartbeat): string {
  return `the server never answered the heartbeat: no "${pong}" came back for "${ping}", so the client stopped pinging and keeps the line. Answer "${ping}" with "${pong}" on the server (docs/heartbeat.md), set the heartbeat option's ping and pong to what it speaks, or pass heartbeat: false`;
}
