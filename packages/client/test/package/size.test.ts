// The size budget of what a browser app ships: the built client with mitt,
// minified and gzipped. zod is the user's own dependency and must never be
// pulled in by the client itself.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * The target is 2.5 kB min+gzip; the contract of DESIGN.md (heartbeat
 * with sleep detection, queue policies, Standard Schema validation, typed
 * events, acknowledged delivery, request/response, async iteration, clear
 * errors) measures 7.3 kB as one entry point, so the target is not met (see
 * docs/performance.md). This budget guards what we have: raising it is a
 * decision to make in review, not a fix for a red test.
 */
const BUDGET = 7_500;
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

async function bundle() {
  // the whole public entry, not one import of it: the worst case a user can ship
  const result = await build({
    entryPoints: [DIST],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { code, inputs: Object.keys(result.metafile.inputs), gzip: gzipSync(code, { level: 9 }).length };
}

describe("bundle size", () => {
  it("bundles dist/index.js with mitt and without zod", async () => {
    expect(existsSync(DIST), `${DIST} is missing: build the client first`).toBe(true);
    const { inputs } = await bundle();
    expect(inputs.some((path) => path.includes("node_modules/mitt/"))).toBe(true);
    expect(inputs.filter((path) => path.includes("node_modules/zod/"))).toEqual([]);
  });

  it(`fits the budget of ${BUDGET} bytes min+gzip`, async () => {
    const { code, gzip } = await bundle();
    process.stdout.write(`bundle size: ${code.length} B minified, ${gzip} B min+gzip (budget ${BUDGET} B)\n`);
    expect(gzip, `the client is ${gzip} B min+gzip, ${gzip - BUDGET} B over the budget of ${BUDGET} B`).toBeLessThanOrEqual(BUDGET);
  });
});
