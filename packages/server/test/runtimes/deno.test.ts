// The Deno adapter in Deno itself (the repo's pinned binary), offline: no
// config, no remote or npm imports (the fixture imports the built dist by
// path), network permission for loopback only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BIN, HERE, describeServed, serve } from "./harness.js";

const temp = mkdtempSync(path.join(tmpdir(), "lifeline-server-deno-"));

describeServed(
  "Deno",
  /^deno 2\./,
  () =>
    serve(
      path.join(BIN, "deno"),
      ["run", "--no-config", "--no-remote", "--no-npm", "--no-prompt", "--allow-net=127.0.0.1", path.join(HERE, "serve-deno.mjs")],
      { DENO_DIR: path.join(temp, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
    ),
  () => rmSync(temp, { recursive: true, force: true }),
);
