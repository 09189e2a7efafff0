#!/usr/bin/env node
import { promises as fs } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateTestCertificates } from "./certs.js";
import { isMode, type ServerOptions } from "./options.js";
import { startServer } from "./server.js";

const USAGE = `usage: lifeline-test-server [--port 8181] [--host 127.0.0.1] [--tls] [--heartbeat MS]
                            [--mode echo|broadcast] [--delivery at-most-once|at-least-once]
                            [--static /prefix=dir ...]

  --port       TCP port, 0 for a free one (default 8181)
  --host       interface to listen on (default 127.0.0.1)
  --tls        serve https/wss with a throwaway CA (its path is printed)
  --heartbeat  send "ping" every MS and drop silent clients (default 0 = off)
  --mode       echo (default) or broadcast
  --delivery   at-least-once also speaks acknowledged delivery (protocol v2,
               @lifeline/server); plain frames are still echoed (default
               at-most-once)
  --static     serve a directory under a URL prefix; repeatable. Without it,
               <repo>/docs/playground is served at / and
               <repo>/packages/client/dist at /lib/ when they exist.
Faults: POST /control/<fault>, state: GET /control/state (see README).`;

function fail(message: string): never {
  process.stderr.write(`lifeline-test-server: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function number(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await fs.stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/** The playground and the client bundle, found relative to this file (paths, not dependencies). */
async function defaultMounts(): Promise<Record<string, string>> {
  const mounts: Record<string, string> = {};
  const playground = fileURLToPath(new URL("../../../docs/playground", import.meta.url));
  const client = fileURLToPath(new URL("../../client/dist", import.meta.url));
  if (await isDirectory(playground)) mounts["/"] = playground;
  if (await isDirectory(client)) mounts["/lib/"] = client;
  return mounts;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        tls: { type: "boolean" },
        heartbeat: { type: "string" },
        mode: { type: "string" },
        delivery: { type: "string" },
        static: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  const mode = values.mode ?? "echo";
  if (!isMode(mode)) fail(`--mode must be echo or broadcast, got "${mode}"`);
  const delivery = values.delivery ?? "at-most-once";
  if (delivery !== "at-most-once" && delivery !== "at-least-once") {
    fail(`--delivery must be at-most-once or at-least-once, got "${delivery}"`);
  }

  let statics: Record<string, string>;
  if (values.static) {
    statics = {};
    for (const spec of values.static) {
      const eq = spec.indexOf("=");
      if (eq <= 0 || !spec.startsWith("/")) fail(`--static must be /prefix=dir, got "${spec}"`);
      statics[spec.slice(0, eq)] = spec.slice(eq + 1);
    }
  } else {
    statics = await defaultMounts();
  }

  const options: ServerOptions = {
    port: number("port", values.port, 8181),
    host: values.host ?? "127.0.0.1",
    mode,
    delivery,
    heartbeat: number("heartbeat", values.heartbeat, 0),
    static: statics,
  };
  const certs = values.tls ? await generateTestCertificates() : undefined;
  if (certs) options.tls = { cert: certs.cert, key: certs.key };

  const server = await startServer(options).catch((error: unknown) => {
    process.stderr.write(`lifeline-test-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
  // Handlers go in before the URL line: whoever reads that line may signal at once.
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    // If something still holds the loop after close(), do not hang forever.
    setTimeout(() => process.exit(1), 5000).unref();
    void server
      .close()
      .then(() => (certs ? fs.rm(certs.dir, { recursive: true, force: true }) : undefined))
      .catch((error: unknown) => {
        process.stderr.write(`lifeline-test-server: ${String(error)}\n`);
        process.exitCode = 1;
      });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdout.write(`lifeline test server: ${server.httpUrl}/ (WebSocket ${server.url})\n`);
  if (certs) {
    process.stdout.write(
      `throwaway CA certificate: ${certs.caCertPath}\n` +
        `hint: trust it in Node with NODE_EXTRA_CA_CERTS=${certs.caCertPath}\n`,
    );
  }
}

await main();
