// Deno 2 (the pinned npm devDependency), offline: an import map points
// "@lifeline/client" at the built dist/index.js (and mitt, its one dependency),
// and zod at its files in node_modules); no config, no remote or npm fetches,
// network permission for loopback only.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll } from "vitest";
import { BIN, CLIENT_DIR, FIXTURES, ROOT, runChild, scenarioSuite } from "./harness.js";

const deno = path.join(BIN, "deno");
const temp = mkdtempSync(path.join(tmpdir(), "lifeline-deno-"));
const env = { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DENO_DIR: path.join(temp, "deno-dir") };
const version = /deno (\S+)/.exec(execFileSync(deno, ["--version"], { env: { ...process.env, ...env }, encoding: "utf8" }))?.[1] ?? "?";

afterAll(() => rmSync(temp, { recursive: true, force: true }));

const importMap = path.join(temp, "import_map.json");
writeFileSync(
  importMap,
  JSON.stringify({
    imports: {
      "@lifeline/client": pathToFileURL(path.join(CLIENT_DIR, "dist/index.js")).href,
      zod: pathToFileURL(path.join(ROOT, "node_modules/zod/index.js")).href,
      // the client's one dependency, its ESM build
      mitt: pathToFileURL(path.join(ROOT, "node_modules/mitt/dist/mitt.mjs")).href,
    },
  }),
);

scenarioSuite(`deno ${version}`, {
  process: true,
  expectHello: { name: "deno", version, module: "esm", webSocket: "WebSocket", resolved: pathToFileURL(path.join(CLIENT_DIR, "dist/index.js")).href },
  run: (server) =>
    runChild(
      deno,
      [
        "run",
        "--no-config",
        "--no-remote",
        "--no-npm",
        `--import-map=${importMap}`,
        "--allow-net=127.0.0.1",
        path.join(FIXTURES, "run-esm.mjs"),
        server.url,
        server.httpUrl,
      ],
      { cwd: temp, env },
    ),
});
