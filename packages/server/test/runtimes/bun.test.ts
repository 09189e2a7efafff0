// The Bun adapter in Bun itself (the repo's pinned binary): --no-install so
// nothing is ever fetched; the fixture imports the built dist by path.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, HERE, exchange, serve, shed } from "./harness.js";
import type { Served } from "./harness.js";

let server: Served;

describe("@lifeline/server/bun in Bun", () => {
  beforeAll(async () => {
    server = await serve(path.join(BIN, "bun"), ["--no-install", path.join(HERE, "serve-bun.mjs")], { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" });
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("runs in Bun: 300 messages each way through 3 sheds, 0 lost, 0 duplicates, in order", async () => {
    expect(server.runtime).toMatch(/^bun 1\./);
    const result = await exchange({ ...server, fault: shed(server) }, 300, 75);
    expect(result.faults).toBe(3);
    expect(result.opens).toBeGreaterThanOrEqual(4);
    expect(result.acknowledged).toBe(300);
    expect(result.echoes).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(result.resets).toBe(0);
    expect(server.output()).toBe("");
  });
});
