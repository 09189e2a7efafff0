// What a user installs: the package.json contract, the built files it points
// at, publint and "are the types wrong" on the packed tarball, and that
// importing the package does nothing (what "sideEffects": false promises).
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { attwReport, checkBuilt, exportMap, externalImports, importProbe, packBeforeAll, pointedFiles, publintProblems, readPackageJson } from "../../../../tools/test-kit/package-checks.js";

const CLIENT_DIR = fileURLToPath(new URL("../..", import.meta.url));
const pkg = readPackageJson(CLIENT_DIR);
const built = checkBuilt(CLIENT_DIR, "@lifeline/client");

describe("package.json", () => {
  it("is an ES module package with no side effects", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
  });

  it("has one run-time dependency, mitt (pinned); zod is an optional peer", () => {
    expect(pkg.dependencies).toEqual({ mitt: "3.0.1" });
    expect(pkg.optionalDependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies ?? {})).toEqual(["zod"]);
    expect(pkg.peerDependenciesMeta?.["zod"]?.optional).toBe(true);
  });

  it("exports the core, each opt-in entry point, `./testing` and `./package.json`, each format with its own declarations", () => {
    const entries = Object.keys(pkg.exports).filter((subpath) => subpath !== "./package.json");
    expect(entries).toEqual(expect.arrayContaining([".", "./at-least-once", "./request", "./share", "./testing", "./websocket"]));
    expect(pkg.exports["./package.json"]).toBe("./package.json");
    for (const subpath of entries) {
      const base = subpath === "." ? "index" : subpath.slice(2);
      expect(exportMap(pkg.exports[subpath])).toEqual({
        "import.types": `./dist/${base}.d.ts`,
        "import.default": `./dist/${base}.js`,
        "require.types": `./dist/${base}.d.cts`,
        "require.default": `./dist/${base}.cjs`,
      });
    }
  });
});

describe.runIf(built)("the build", () => {
  it("has every file that package.json points at", () => {
    const pointed = pointedFiles(pkg);
    expect(pointed.length).toBeGreaterThan(8);
    const missing = pointed.filter((t) => !existsSync(path.join(CLIENT_DIR, t)));
    expect(missing).toEqual([]);
  });

  it("imports nothing at run time but its own files and mitt (no node: built-ins, no zod)", async () => {
    const files = readdirSync(path.join(CLIENT_DIR, "dist")).filter((f) => /\.c?js$/.test(f));
    expect(files).toEqual(expect.arrayContaining(["index.js", "index.cjs", "testing.js", "testing.cjs", "websocket.js", "websocket.cjs"]));
    for (const file of files) {
      const external = (await externalImports(path.join(CLIENT_DIR, "dist", file))).filter((name) => name !== "mitt");
      expect(
        external.length === 0,
        `${file} imports ${JSON.stringify(external)}`,
      ).toBe(true);
    }
  });
});

describe.runIf(built)("importing the package", () => {
  it("calls no timer, socket, listener or console (sideEffects: false holds)", async () => {
    // recorded in a fresh Node process before the package (both formats, each entry) loads
    const { calls, exported } = await importProbe(CLIENT_DIR, ["@lifeline/client", "@lifeline/client/testing", "@lifeline/client/websocket"]);
    // the modules really loaded: each format gave its exports
    expect(exported.every((names) => names.length > 0), `exports: ${JSON.stringify(exported)}`).toBe(true);
    expect(calls).toEqual([]);
  });
});

describe.runIf(built)("published tarball", () => {
  // npm pack into a temp dir, so nothing lands in the package folder
  const packed = packBeforeAll(CLIENT_DIR, "lifeline-pack-", (files) => {
    expect(files).toContain("dist/index.js");
    expect(files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "CHANGELOG.md", "LICENSE"].includes(f))).toEqual([]);
  });

  it("publint (strict) finds no error or warning in what npm would publish", async () => {
    // publint asks npm which files would be published (a dry run: nothing is written)
    expect(await publintProblems(CLIENT_DIR)).toEqual([]);
  }, 60_000);

  it("attw finds no problem in any resolution mode (node10, node16 CJS/ESM, bundler)", async () => {
    const report = await attwReport(packed);
    expect(Object.keys(report.analysis.entrypoints)).toEqual(Object.keys(pkg.exports));
    expect(Object.keys(report.analysis.entrypoints["."]!.resolutions).sort()).toEqual(["bundler", "node10", "node16-cjs", "node16-esm"]);
    expect(Object.values(report.problems).flat()).toEqual([]);
  }, 60_000);
});
