// What a user installs: the package.json contract, the built files it points
// at, no run-time imports (so the core runs in workerd, Deno and Bun),
// nothing done at import, publint and "are the types wrong" on the tarball.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { attwReport, externalImports, importProbe, packBeforeAll, pointedFiles, publintProblems, readPackageJson } from "../../../tools/test-kit/package-checks.js";

const DIR = fileURLToPath(new URL("..", import.meta.url));
const pkg = readPackageJson(DIR);

describe("package.json", () => {
  it("is an ES module package with no side effects, no dependencies, ioredis and ws optional peers", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies ?? {})).toEqual(["ioredis", "ws"]);
    expect(pkg.peerDependenciesMeta?.["ioredis"]?.optional).toBe(true);
    expect(pkg.peerDependenciesMeta?.["ws"]?.optional).toBe(true);
    expect(Object.keys(pkg.exports)).toEqual([".", "./redis", "./bun", "./deno", "./cloudflare", "./package.json"]);
  });
});

describe("the build", () => {
  it("has every file package.json points at", () => {
    const pointed = pointedFiles(pkg);
    expect(pointed.filter((t) => !existsSync(path.join(DIR, t)))).toEqual([]);
  });

  it("imports nothing at run time (no ws, no node: built-ins), but ioredis in the redis entry", async () => {
    const files = readdirSync(path.join(DIR, "dist")).filter((f) => /\.c?js$/.test(f));
    const entries = ["index", "redis", "bun", "deno", "cloudflare"].flatMap((name) => [`${name}.js`, `${name}.cjs`]);
    expect(files).toEqual(expect.arrayContaining(entries));
    for (const file of files) {
      const external = await externalImports(path.join(DIR, "dist", file));
      expect(external, file).toEqual(file.startsWith("redis.") ? ["ioredis"] : []);
    }
  });

  it("does nothing at import: no timer, listener or console call", async () => {
    const entries = ["", "/redis", "/bun", "/deno", "/cloudflare"].map((entry) => "@lifeline/server" + entry);
    const { calls, exported } = await importProbe(DIR, entries);
    expect(exported).toHaveLength(10);
    expect(exported.every((names) => names.length > 0)).toBe(true);
    expect(calls).toEqual([]);
  });
});

describe("published tarball", () => {
  const packed = packBeforeAll(DIR, "lifeline-server-pack-", (files) => {
    expect(files.filter((f) => !f.startsWith("dist/")).sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "package.json"]);
  });

  it("publint (strict) finds no error or warning", async () => {
    expect(await publintProblems(DIR)).toEqual([]);
  }, 60_000);

  it("attw finds no problem in any resolution mode", async () => {
    const report = await attwReport(packed);
    expect(Object.keys(report.analysis.entrypoints)).toEqual([".", "./redis", "./bun", "./deno", "./cloudflare", "./package.json"]);
    expect(Object.values(report.problems).flat()).toEqual([]);
  }, 60_000);
});
