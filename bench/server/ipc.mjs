// Request/response over a forked child's IPC channel, for the server bench's
// processes: the parent calls a command and awaits its answer (bounded); the
// child serves a table of handlers. One small protocol for both children
// (target.mjs, load.mjs) instead of a message format per command.
import { fork } from "node:child_process";

/**
 * Forks `module` with `args`, through `sh` so that its descriptor limit is
 * raised to the hard limit first (`ulimit -n`: thousands of sockets per
 * process). Resolves once the child answered its first message `{ ready }`.
 */
export function start(module, args = [], { execArgv = [], what = module } = {}) {
  const raise = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';
  const child = fork(module, args.map(String), {
    execPath: "/bin/sh",
    execArgv: ["-c", raise, process.execPath, ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map();
  let next = 1;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.on("exit", (code, signal) => {
    for (const { reject } of waiting.values()) reject(new Error(`${what} exited (${code ?? signal}) during a call`));
    waiting.clear();
  });
  child.on("message", (message) => {
    const call = waiting.get(message?.id);
    if (!call) return;
    waiting.delete(message.id);
    if (message.ok) call.resolve(message.result);
    else call.reject(new Error(`${what}: ${message.error}`));
  });
  const handle = {
    child,
    exited,
    /** Runs `cmd` in the child; rejects after `timeoutMs`. */
    call(cmd, args = {}, timeoutMs = 60_000) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${what}: ${cmd} not done within ${timeoutMs} ms`));
        }, timeoutMs);
        const settle = (fn) => (value) => {
          clearTimeout(timer);
          fn(value);
        };
        waiting.set(id, { resolve: settle(resolve), reject: settle(reject) });
        child.send({ id, cmd, args });
      });
    },
    /** Ends the child (SIGKILL after `graceMs`); resolves when it exited. */
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect?.();
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return handle.call("ready", {}, 20_000).then((ready) => Object.assign(handle, { ready }));
}

/**
 * The child's side: answers each `{ id, cmd, args }` with its handler's result.
 * `ready` is the first call every parent makes. The parent going away ends the child.
 */
export function serve(handlers) {
  process.on("message", async ({ id, cmd, args }) => {
    try {
      const handler = handlers[cmd];
      if (!handler) throw new Error(`unknown command ${cmd}`);
      process.send({ id, ok: true, result: await handler(args) });
    } catch (error) {
      process.send({ id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  });
  process.on("disconnect", () => process.exit(0));
}

/** Wall-clock ms with sub-ms precision, comparable across processes of this machine. */
export const wallClock = () => performance.timeOrigin + performance.now();

/** The benchmark's message, the client bench's: 58 to 62 bytes of JSON. */
export const message = (seq) => ({ type: "chat", seq, text: "the quick brown fox jumps" });
