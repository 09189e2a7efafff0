// A real redis-server for the server bench: started on a free loopback port
// without persistence, stopped after. Its CPU time is read from /proc (user +
// system of all its threads), so the table can put Redis's cost beside the
// lifeline process's own.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { createServer } from "node:net";

const BINARY = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";
const TICKS_PER_S = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when redis-server can be run here (else the Redis rows are left out, and said so). */
export function haveRedis() {
  try {
    accessSync(BINARY, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Starts redis-server; resolves once it logged that it accepts connections (bounded at 10 s). */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(BINARY, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`redis-server not ready within 10 s:\n${log}`)), 10_000);
    const onData = (chunk) => {
      log += chunk;
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => (log += chunk));
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${log}`)));
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** CPU seconds × 1e6 (µs) used by redis-server so far, user + system. */
    cpuMicros() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      // after "pid (comm) ": state is field 0, utime field 11, stime field 12
      return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_S) * 1e6;
    },
    /** Keys in the database (redis-cli DBSIZE). */
    keys() {
      const out = spawnSync("redis-cli", ["-p", String(port), "dbsize"], { encoding: "utf8" });
      return Number(out.stdout.trim());
    },
    /** Zeroes Redis's command statistics (CONFIG RESETSTAT). */
    resetStats() {
      spawnSync("redis-cli", ["-p", String(port), "config", "resetstat"], { stdio: "ignore" });
    },
    /** Calls and µs per command since `resetStats()` (INFO commandstats; commands run by scripts included). */
    commandStats() {
      const out = spawnSync("redis-cli", ["-p", String(port), "info", "commandstats"], { encoding: "utf8" }).stdout;
      const stats = {};
      for (const [, name, calls, usec] of out.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) stats[name] = { calls: Number(calls), usec: Number(usec) };
      return stats;
    },
    flush() {
      spawnSync("redis-cli", ["-p", String(port), "flushall"], { stdio: "ignore" });
    },
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
