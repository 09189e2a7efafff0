// What a user installs: the package.json contract, the built files it points
// at, no run-time imports (so the core runs in workerd, Deno and Bun),
// nothing done at import, publint and "are the types wrong" on the tarball.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const DIR = fileURLToPath(new URL("..", import.meta.url));
const ROOT = path.resolve(DIR, "../..");

interface PackageJson {
  type?: string;
  sideEffects?: boolean;
  exports: Record<string, unknown>;
  main?: string;
  module?: string;
  types?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const pkg = JSON.parse(readFileSync(path.join(DIR, "package.json"), "utf8")) as PackageJson;

function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(targets);
}

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
    const pointed = [...targets(pkg.exports), pkg.main, pkg.module, pkg.types].filter((t): t is string => typeof t === "string");
    expect(pointed.filter((t) => !existsSync(path.join(DIR, t)))).toEqual([]);
  });

  it("imports nothing at run time (no ws, no node: built-ins), but ioredis in the redis entry", async () => {
    const files = readdirSync(path.join(DIR, "dist")).filter((f) => /\.c?js$/.test(f));
    const entries = ["index", "redis", "bun", "deno", "cloudflare"].flatMap((name) => [`${name}.js`, `${name}.cjs`]);
    expect(files).toEqual(expect.arrayContaining(entries));
    for (const file of files) {
      const result = await build({
        entryPoints: [path.join(DIR, "dist", file)],
        bundle: true,
        write: false,
        metafile: true,
        packages: "external",
        platform: "neutral",
        logLevel: "silent",
      });
      const external = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external));
      expect(external.map((i) => i.path), file).toEqual(file.startsWith("redis.") ? ["ioredis"] : []);
    }
  });

  it("does nothing at import: no timer, listener or console call", async () => {
    const probe = `
      import { createRequire } from "node:module";
      const calls = [];
      for (const name of ["setTimeout", "setInterval", "setImmediate", "queueMicrotask"]) {
        const real = globalThis[name];
        globalThis[name] = function (...args) { calls.push(name); return real.apply(this, args); };
      }
      for (const name of ["log", "info", "warn", "error", "debug"]) console[name] = () => calls.push("console." + name);
      const esm = await import("@lifeline/server");
      const cjs = createRequire(import.meta.url)("@lifeline/server");
      const entries = ["redis", "bun", "deno", "cloudflare"].map((name) => "@lifeline/server/" + name);
      const others = [];
      for (const entry of entries) others.push(await import(entry), createRequire(import.meta.url)(entry));
      const exported = [esm, cjs, ...others].map((m) => Object.keys(m).length);
      process.stdout.write(JSON.stringify({ calls, exported }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: DIR,
      timeout: 30_000,
      env: { PATH: process.env["PATH"] ?? "" },
    });
    const { calls, exported } = JSON.parse(stdout) as { calls: string[]; exported: number[] };
    expect(exported).toHaveLength(10);
    expect(exported.every((n) => n > 0)).toBe(true);
    expect(calls).toEqual([]);
  });
});

describe("published tarball", () => {
  let temp: string;
  let tarball: string;

  beforeAll(async () => {
    temp = mkdtempSync(path.join(tmpdir(), "lifeline-server-pack-"));
    const { stdout } = await run("npm", ["pack", "--pack-destination", temp, "--json", "--ignore-scripts"], { cwd: DIR, timeout: 60_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(temp, info!.filename);
    const files = info!.files.map((f) => f.path);
    expect(files.filter((f) => !f.startsWith("dist/")).sort()).toEqual(["CHANGELOG.md", "README.md", "package.json"]);
  }, 90_000);

  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it("publint (strict) finds no error or warning", async () => {
    const { messages, pkg: read } = await publint({ pkgDir: DIR, strict: true, pack: "npm" });
    const problems = messages.filter((m) => m.type !== "suggestion").map((m) => `${m.type}: ${formatMessage(m, read) ?? m.code}`);
    expect(problems).toEqual([]);
  }, 60_000);

  it("attw finds no problem in any resolution mode", async () => {
    const attw = path.join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
    const result = await run(process.execPath, [attw, tarball, "--format", "json", "--profile", "strict"], { cwd: temp, timeout: 60_000 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
    );
    const report = JSON.parse(result.stdout) as {
      problems: Record<string, unknown[]>;
      analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
    };
    expect(Object.keys(report.analysis.entrypoints)).toEqual([".", "./redis", "./bun", "./deno", "./cloudflare", "./package.json"]);
    expect(Object.values(report.problems).flat()).toEqual([]);
  }, 60_000);
});
