// The Deno adapter in Deno itself (the repo's pinned binary), offline: no
// config, no remote or npm imports (the fixture imports the built dist by
// path), network permission for loopback only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, HERE, exchange, serve, shed } from "./harness.js";
import type { Served } from "./harness.js";

const temp = mkdtempSync(path.join(tmpdir(), "lifeline-server-deno-"));
let server: Served;

describe("@lifeline/server/deno in Deno", () => {
  beforeAll(async () => {
    server = await serve(
      path.join(BIN, "deno"),
      ["run", "--no-config", "--no-remote", "--no-npm", "--no-prompt", "--allow-net=127.0.0.1", path.join(HERE, "serve-deno.mjs")],
      { DENO_DIR: path.join(temp, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
    );
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it("runs in Deno: 300 messages each way through 3 sheds, 0 lost, 0 duplicates, in order", async () => {
    expect(server.runtime).toMatch(/^deno 2\./);
    const result = await exchange({ ...server, fault: shed(server) }, 300, 75);
    expect(result.faults).toBe(3);
    expect(result.opens).toBeGreaterThanOrEqual(4);
    expect(result.acknowledged).toBe(300);
    expect(result.echoes).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(result.resets).toBe(0);
    expect(server.output()).toBe("");
  });
});
