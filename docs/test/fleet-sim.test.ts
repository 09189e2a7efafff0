// The fleet simulation in deployment.md is what bench/fleet-sim.mjs computes:
// the script is deterministic (seeded), its chart is the committed
// fleet-reconnects.svg byte for byte, and its table is the guide's.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const docs = fileURLToPath(new URL("..", import.meta.url));
const script = path.resolve(docs, "../bench/fleet-sim.mjs");
const temp = mkdtempSync(path.join(tmpdir(), "lifeline-fleet-sim-"));

afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function simulate(name: string): Promise<{ table: string; svg: string }> {
  const svgPath = path.join(temp, name);
  const { stdout } = await run(process.execPath, [script], { env: { PATH: process.env["PATH"] ?? "", FLEET_SIM_SVG: svgPath }, timeout: 60_000 });
  return { table: stdout, svg: readFileSync(svgPath, "utf8") };
}

describe("bench/fleet-sim.mjs", () => {
  it("is deterministic, and the guide shows its chart and its table", async () => {
    const first = await simulate("a.svg");
    const second = await simulate("b.svg");
    expect(second).toEqual(first);
    expect(first.svg).toBe(readFileSync(path.join(docs, "fleet-reconnects.svg"), "utf8"));
    const guide = readFileSync(path.join(docs, "deployment.md"), "utf8");
    const rows = first.table.trim().split("\n");
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(guide).toContain(row);
  });
});
