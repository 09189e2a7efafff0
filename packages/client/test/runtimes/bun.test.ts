// Bun 1 (the pinned npm devDependency): the scenario imports the built
// package through node_modules, as a Bun user's code would.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { BIN, CLIENT_DIR, FIXTURES, runChild, scenarioSuite } from "./harness.js";

const bun = path.join(BIN, "bun");
const env = { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", DO_NOT_TRACK: "1" };
const version = execFileSync(bun, ["--version"], { env: { ...process.env, ...env }, encoding: "utf8" }).trim();

scenarioSuite(`bun ${version}`, {
  process: true,
  expectHello: { name: "bun", version, module: "esm", webSocket: "WebSocket", resolved: `file://${path.join(CLIENT_DIR, "dist/index.js")}` },
  // --no-install: never fetch a missing package, fail instead
  run: (server) => runChild(bun, ["--no-install", path.join(FIXTURES, "run-esm.mjs"), server.url, server.httpUrl], { cwd: CLIENT_DIR, env }),
});
