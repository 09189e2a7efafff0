// How redisStore's Lua scripts reach Redis: EVALSHA with the script loaded
// once (again after a restart: NOSCRIPT), the commands of one stretch of
// microtasks leaving in one write (the socket corked), and every reply
// settled even when the connection drops before it comes.
import type { Redis } from "ioredis";
import type { Script } from "./lua.js";

export class ScriptRunner {
  readonly #client: Redis;
  readonly #sha = new Map<Script, string>();
  /** Scripts being loaded: the calls of a burst wait for one SCRIPT LOAD instead of each sending its own. */
  readonly #loading = new Map<Script, Promise<string>>();
  /** The connection's socket is corked until this turn's queued microtasks ran (#corkTurn). */
  #turnCorked = false;
  /**
   * The commands written on the current connection and not answered yet,
   * by their rejecters. With `autoResendUnfulfilledCommands: false` ioredis
   * forgets such a command when the connection closes without settling its
   * promise; its outcome is unknown, so the call rejects instead of waiting
   * forever. Each command removes itself when its reply comes (a race
   * against one shared promise would leave a reaction per command on it: a
   * heap leak of some 300 B per call).
   */
  readonly #inFlight = new Set<(error: Error) => void>();

  constructor(client: Redis) {
    this.#client = client;
    client.on("close", this.#onClose);
  }

  /** Stops watching the connection (the store is closed). */
  close(): void {
    this.#client.off("close", this.#onClose);
  }

  /** Runs `script` (EVALSHA, loading it first; EVAL after a NOSCRIPT). */
  async run(script: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const sha = this.#sha.get(script) ?? (await this.load(script));
    this.#corkTurn();
    try {
      return await this.settled(this.#client.evalsha(sha, keys.length, ...keys, ...args));
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      // EVAL runs it and caches it in Redis again
      return this.settled(this.#client.eval(script.lua, keys.length, ...keys, ...args));
    }
  }

  /** Loads `script` (one SCRIPT LOAD for every caller meanwhile) and remembers its sha. */
  load(script: Script): Promise<string> {
    let loading = this.#loading.get(script);
    if (loading === undefined) {
      loading = this.settled(this.#client.script("LOAD", script.lua) as Promise<string>).then((sha) => {
        this.#sha.set(script, sha);
        return sha;
      });
      this.#loading.set(script, loading);
      const done = () => this.#loading.delete(script);
      loading.then(done, done);
    }
    return loading;
  }

  /** The sha of `script` once loaded (a pipeline falls back to EVAL without it). */
  sha(script: Script): string | undefined {
    return this.#sha.get(script);
  }

  /**
   * Runs `write` with the connection's socket corked: the commands it sends
   * (the script calls of all sessions' appends of one tick) leave in one
   * write instead of one syscall each. Unlike ioredis's pipelines, each
   * command keeps its own promise, so a dropped connection still rejects
   * every one in flight (`settled`).
   */
  corked(write: () => void): void {
    const stream = this.#client.status === "ready" ? this.#client.stream : undefined;
    stream?.cork();
    try {
      write();
    } finally {
      stream?.uncork();
    }
  }

  /** `reply`, or a rejection if the connection it was written on closes first. */
  settled<T>(reply: Promise<T>): Promise<T> {
    if (this.#client.status !== "ready") return reply; // queued offline: ioredis sends it once connected
    return new Promise<T>((resolve, reject) => {
      const inFlight = this.#inFlight;
      inFlight.add(reject);
      reply.then(
        (value) => {
          inFlight.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          inFlight.delete(reject);
          reject(error);
        },
      );
    });
  }

  /**
   * Corks the connection's socket until the microtasks queued so far ran: the
   * script calls written meanwhile (the marks of every connection whose inbox
   * commits in this stretch, a burst's attaches) leave in one write, not one
   * syscall each, and each call still waits for its own reply.
   */
  #corkTurn(): void {
    if (this.#turnCorked || this.#client.status !== "ready") return;
    const stream = this.#client.stream;
    stream.cork();
    this.#turnCorked = true;
    queueMicrotask(() => {
      this.#turnCorked = false;
      stream.uncork();
    });
  }

  readonly #onClose = (): void => {
    if (this.#inFlight.size === 0) return;
    const error = new Error("@lifeline/server/redis: the connection to Redis closed before the reply came");
    const rejecters = [...this.#inFlight];
    this.#inFlight.clear();
    for (const reject of rejecters) reject(error);
  };
}
