// The fleet test's harness: server nodes as child processes (test/fleet/node.mjs)
// sharing one redis-server, a real @lifeline/client with atLeastOnce() whose
// url alternates between them, and the two streams with their bookkeeping.
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@lifeline/client";
import type { Client } from "@lifeline/client";
import { atLeastOnce } from "@lifeline/client/at-least-once";

const NODE_SCRIPT = fileURLToPath(new URL("./node.mjs", import.meta.url));

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Reply = { ok: true; seq: number } | { ok: false; reason: string };
type Published = { ok: true; offset: number; epoch: string } | { ok: false; reason: string };

/** One server process; restartable on the same port after a kill -9. */
export class FleetNode {
  readonly id: string;
  port = 0;
  #child: ChildProcess | undefined;
  #env: Record<string, string>;
  #pending = new Map<number, (reply: Reply | Published | undefined) => void>();
  #ids = 0;
  /** What the processes printed, for a failure message (never printed by a passing test). */
  readonly output: string[] = [];
  readonly effects: string;
  onSession: (session: string) => void = () => {};

  constructor(id: string, env: { REDIS_URL: string; KEY_PREFIX: string; HISTORY_MAX?: string }, dir: string) {
    this.id = id;
    this.effects = path.join(dir, `effects-${id}.log`);
    writeFileSync(this.effects, "");
    this.#env = { ...env, NODE_ID: id, EFFECTS: this.effects };
  }

  get alive(): boolean {
    return this.#child !== undefined;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = fork(NODE_SCRIPT, [], {
      env: { PATH: process.env["PATH"] ?? "", ...this.#env, PORT: String(this.port) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      execArgv: [],
    });
    child.stdout?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
    // a write to a node that was just killed: its sends are answered "unknown" on exit
    child.on("error", () => {});
    child.stderr?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${this.id} not ready in 15 s: ${this.output.join("")}`)), 15_000);
      child.once("exit", (code) => reject(new Error(`node ${this.id} exited (${String(code)}) before ready: ${this.output.join("")}`)));
      child.on("message", (message: { ready?: number; session?: string; sent?: number; result?: Reply | Published }) => {
        if (message.ready !== undefined) {
          clearTimeout(timer);
          resolve(message.ready);
        } else if (message.session !== undefined) this.onSession(message.session);
        else if (message.sent !== undefined) {
          this.#pending.get(message.sent)?.(message.result);
          this.#pending.delete(message.sent);
        }
      });
    });
    child.once("exit", () => {
      if (this.#child === child) this.#child = undefined;
      // a send the node never answered: its fate is unknown to the sender
      for (const answer of this.#pending.values()) answer(undefined);
      this.#pending.clear();
    });
    this.#child = child;
    this.port = await ready;
  }

  /** kill -9; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  /** `lifeline.send(session, {n})` on this node: the result, or undefined when the node died first. */
  send(session: string, n: number): Promise<Reply | undefined> {
    return this.#ask({ send: session, n }) as Promise<Reply | undefined>;
  }

  /** `lifeline.publish(topic, {n})` on this node: the result, or undefined when the node died first. */
  publish(topic: string, n: number): Promise<Published | undefined> {
    return this.#ask({ publish: topic, n }) as Promise<Published | undefined>;
  }

  #ask(command: { send: string; n: number } | { publish: string; n: number }): Promise<Reply | Published | undefined> {
    const child = this.#child;
    if (!child?.connected) return Promise.resolve(undefined);
    const id = ++this.#ids;
    return new Promise((resolve) => {
      // a store call waiting for Redis to come back is bounded too: no answer in time counts as unknown
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined);
      }, 5_000);
      const answer = (reply: Reply | Published | undefined) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(reply);
      };
      this.#pending.set(id, answer);
      // a node killed meanwhile: the write fails (EPIPE), the send's fate is unknown
      child.send({ ...command, id }, (error) => error && answer(undefined));
    });
  }

  /** Every effect line this node's handler wrote, over all its lives: [node, session, seq, n]. */
  handled(): Array<[string, string, number, number]> {
    return readFileSync(this.effects, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [node, session, seq, data] = line.split(" ") as [string, string, string, string];
        return [node, session, Number(seq), (JSON.parse(data) as { c: number }).c];
      });
  }
}

/** The two streams and what each side saw. */
export class Streams {
  readonly client: Client;
  /** Client → server: messages sent, acknowledged (`delivered`). */
  sent = 0;
  acknowledged = 0;
  /** Server → client: `n` confirmed stored by send(), with the time its send() was issued; `n` received. */
  readonly confirmed = new Map<number, number>();
  readonly unconfirmed: number[] = [];
  readonly received: number[] = [];
  readonly resets: Array<{ at: number; reason: string }> = [];
  readonly errors: unknown[] = [];
  /** The client's line events, for a failure message. */
  readonly log: string[] = [];
  session: string | undefined;
  #serverN = 0;
  /** Server messages outstanding when the last reset came: perhaps lost with it, so not counted against the window. */
  #excused = 0;
  #stopping = false;
  #loops: Array<Promise<void>> = [];

  constructor(nodes: FleetNode[], random: () => number) {
    let attempt = 0;
    this.client = createClient({
      url: () => nodes[attempt++ % nodes.length]!.url,
      delivery: atLeastOnce({ ackEvery: 16, ackDelay: 20 }),
      backoff: { initial: 50, max: 200, resetAfter: 1_000 },
      heartbeat: { interval: 1_000, timeout: 1_000 },
      connectTimeout: 2_000,
      queue: { max: 1_000, overflow: "error" },
      random,
    });
    this.client.on("delivered", ({ messages }: { messages: readonly unknown[] }) => (this.acknowledged += messages.length));
    this.client.on("message", (message) => this.received.push((message as { n: number }).n));
    this.client.on("reset", ({ reason }: { reason: string }) => {
      this.resets.push({ at: performance.now(), reason });
      this.#excused = this.#serverN - this.received.length;
    });
    this.client.on("drop", (event: unknown) => this.errors.push(event));
    this.client.on("close", ({ code, reason }: { code: number; reason: string }) => this.log.push(`close ${code} ${reason}`));
    this.client.on("open", () => this.log.push(`open ${this.session ?? ""}`));
    for (const node of nodes) node.onSession = (session) => (this.session = session);
    this.#loops = [this.#clientLoop(), this.#serverLoop(nodes, random)];
  }

  /** Messages the client sent and the server has not acknowledged yet. */
  get inFlight(): number {
    return this.sent - this.acknowledged;
  }

  async #clientLoop(): Promise<void> {
    while (!this.#stopping) {
      // a window well inside the client's queue.max, so nothing waits for room
      for (let i = 0; i < 10 && this.inFlight < 300; i++) this.client.send({ c: ++this.sent });
      await delay(5);
    }
  }

  async #serverLoop(nodes: FleetNode[], random: () => number): Promise<void> {
    while (!this.#stopping) {
      const live = nodes.filter((node) => node.alive);
      const session = this.session;
      if (session === undefined || live.length === 0 || this.#serverN - this.received.length - this.#excused > 300) {
        await delay(5);
        continue;
      }
      const node = live[Math.floor(random() * live.length)]!;
      const n = ++this.#serverN;
      const issuedAt = performance.now();
      const reply = await node.send(session, n);
      if (reply?.ok) this.confirmed.set(n, issuedAt);
      else this.unconfirmed.push(n);
      if (n % 8 === 0) await delay(2);
    }
  }

  /** Stops producing; resolves when both loops returned. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
  }

  /** Confirmed server messages the client has not received (leaving out those `excused`). */
  missing(excused: (n: number, issuedAt: number) => boolean = () => false): number[] {
    const received = new Set(this.received);
    return [...this.confirmed].filter(([n, at]) => !received.has(n) && !excused(n, at)).map(([n]) => n);
  }

  /**
   * Waits (bounded) until every client message is acknowledged and every
   * confirmed server message arrived (but those `excused`: lost with an announced reset).
   */
  async settle(ms: number, excused?: (n: number, issuedAt: number) => boolean): Promise<void> {
    const start = Date.now();
    const missing = () => this.missing(excused);
    while (this.acknowledged < this.sent || missing().length > 0) {
      if (Date.now() - start > ms) {
        throw new Error(`not settled in ${ms} ms: acknowledged ${this.acknowledged}/${this.sent}, server messages missing ${missing().slice(0, 20).join(",")}; client ${this.client.state}, resets ${JSON.stringify(this.resets)}, log ${this.log.slice(-30).join(" | ")}`);
      }
      await delay(20);
    }
  }
}
