// What a user installs: the package.json contract, the built files it points
// at, publint and "are the types wrong" on the packed tarball, and that
// importing the package does nothing (what "sideEffects": false promises).
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
const CLIENT_DIR = fileURLToPath(new URL("../..", import.meta.url));
const ROOT = path.resolve(CLIENT_DIR, "../..");

interface PackageJson {
  name: string;
  type?: string;
  sideEffects?: boolean;
  main?: string;
  module?: string;
  types?: string;
  typesVersions?: Record<string, Record<string, string[]>>;
  exports: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const pkg = JSON.parse(readFileSync(path.join(CLIENT_DIR, "package.json"), "utf8")) as PackageJson;

/** Every string target in an `exports` value, with the conditions that lead to it. */
function targets(value: unknown, conditions: string[] = []): Array<{ conditions: string[]; target: string }> {
  if (typeof value === "string") return [{ conditions, target: value }];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => targets(inner, [...conditions, key]));
}

const built = existsSync(path.join(CLIENT_DIR, "dist/index.js"));

describe("package.json", () => {
  it("is an ES module package with no side effects", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
  });

  it("has no run-time dependency; zod is an optional peer", () => {
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    expect(pkg.optionalDependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies ?? {})).toEqual(["zod"]);
    expect(pkg.peerDependenciesMeta?.["zod"]?.optional).toBe(true);
  });

  it("exports the core, each opt-in entry point, `./testing` and `./package.json`, each format with its own declarations", () => {
    const entries = Object.keys(pkg.exports).filter((subpath) => subpath !== "./package.json");
    expect(entries).toEqual(expect.arrayContaining([".", "./at-least-once", "./request", "./testing"]));
    expect(pkg.exports["./package.json"]).toBe("./package.json");
    for (const subpath of entries) {
      const found = targets(pkg.exports[subpath]).map(({ conditions, target }) => [conditions.join("."), target]);
      const base = subpath === "." ? "index" : subpath.slice(2);
      expect(Object.fromEntries(found)).toEqual({
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
    const pointed = [
      ...targets(pkg.exports).map((t) => t.target),
      pkg.main,
      pkg.module,
      pkg.types,
      ...Object.values(pkg.typesVersions ?? {}).flatMap((map) => Object.values(map).flat()),
    ].filter((t): t is string => typeof t === "string");
    expect(pointed.length).toBeGreaterThan(8);
    const missing = pointed.filter((t) => !existsSync(path.join(CLIENT_DIR, t)));
    expect(missing).toEqual([]);
  });

  it("imports nothing at run time but its own files (no dependency, no node: built-ins, no zod)", async () => {
    const files = readdirSync(path.join(CLIENT_DIR, "dist")).filter((f) => /\.c?js$/.test(f));
    expect(files).toEqual(expect.arrayContaining(["index.js", "index.cjs", "testing.js", "testing.cjs"]));
    for (const file of files) {
      // esbuild records every import and require() it leaves external
      const result = await build({
        entryPoints: [path.join(CLIENT_DIR, "dist", file)],
        bundle: true,
        write: false,
        metafile: true,
        packages: "external",
        platform: "neutral",
        logLevel: "silent",
      });
      const external = Object.values(result.metafile.inputs)
        .flatMap((input) => input.imports)
        .filter((i) => i.external)
        .map((i) => i.path);
      expect(
        external.length === 0,
        `${file} imports ${JSON.stringify(external)}`,
      ).toBe(true);
    }
  });
});

describe.runIf(built)("importing the package", () => {
  // Everything a module could do at import that would be a side effect, recorded
  // in a fresh Node process before the package (both formats, both entries) loads.
  const probe = `
    import { createRequire } from "node:module";
    const calls = [];
    const spy = (name, fn) => function (...args) { calls.push(name); return fn?.apply(this, args); };
    for (const name of ["setTimeout", "setInterval", "setImmediate", "queueMicrotask", "fetch"]) {
      globalThis[name] = spy(name, globalThis[name]);
    }
    globalThis.WebSocket = class { constructor() { calls.push("new WebSocket"); } };
    globalThis.addEventListener = spy("addEventListener");
    globalThis.removeEventListener = spy("removeEventListener");
    globalThis.document = { addEventListener: spy("document.addEventListener") };
    for (const name of ["log", "info", "warn", "error", "debug"]) console[name] = spy("console." + name);
    const esm = await import("@lifeline/client");
    const esmTesting = await import("@lifeline/client/testing");
    const require = createRequire(import.meta.url);
    const cjs = require("@lifeline/client");
    const cjsTesting = require("@lifeline/client/testing");
    const exported = [esm, esmTesting, cjs, cjsTesting].map((m) => Object.keys(m).length);
    process.stdout.write(JSON.stringify({ calls, exported }));
  `;

  it("calls no timer, socket, listener or console (sideEffects: false holds)", async () => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: CLIENT_DIR,
      timeout: 30_000,
      env: { PATH: process.env["PATH"] ?? "" },
    });
    const { calls, exported } = JSON.parse(stdout) as { calls: string[]; exported: number[] };
    // the modules really loaded: each format gave its exports
    expect(exported.every((n) => n > 0), `exports: ${JSON.stringify(exported)}`).toBe(true);
    expect(calls).toEqual([]);
  });
});

describe.runIf(built)("published tarball", () => {
  let temp: string;
  let tarball: string;

  beforeAll(async () => {
    temp = mkdtempSync(path.join(tmpdir(), "lifeline-pack-"));
    // npm pack into a temp dir, so nothing lands in the package folder
    const { stdout } = await run("npm", ["pack", "--pack-destination", temp, "--json", "--ignore-scripts"], {
      cwd: CLIENT_DIR,
      timeout: 60_000,
    });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(temp, info!.filename);
    const files = info!.files.map((f) => f.path);
    expect(files).toContain("dist/index.js");
    expect(files.filter((f) => !f.startsWith("dist/") && f !== "package.json" && f !== "README.md")).toEqual([]);
  }, 90_000);

  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it("publint (strict) finds no error or warning in what npm would publish", async () => {
    // publint asks npm which files would be published (a dry run: nothing is written)
    const { messages, pkg: read } = await publint({ pkgDir: CLIENT_DIR, strict: true, pack: "npm" });
    const problems = messages.filter((m) => m.type !== "suggestion").map((m) => `${m.type}: ${formatMessage(m, read) ?? m.code}`);
    expect(problems).toEqual([]);
  }, 60_000);

  it("attw finds no problem in any resolution mode (node10, node16 CJS/ESM, bundler)", async () => {
    const attw = path.join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
    // attw exits 1 when it finds problems; the JSON says which
    const result = await run(process.execPath, [attw, tarball, "--format", "json", "--profile", "strict"], {
      cwd: temp,
      timeout: 60_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(result.stdout) as {
      /** grouped by problem kind */
      problems: Record<string, unknown[]>;
      analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
    };
    expect(Object.keys(report.analysis.entrypoints)).toEqual(Object.keys(pkg.exports));
    expect(Object.keys(report.analysis.entrypoints["."]!.resolutions).sort()).toEqual(["bundler", "node10", "node16-cjs", "node16-esm"]);
    expect(Object.values(report.problems).flat()).toEqual([]);
  }, 60_000);
});

if (!built) {
  it("needs the build (npm run build -w @lifeline/client)", () => {
    throw new Error("packages/client/dist is missing: run `npm run build -w @lifeline/client` first");
  });
}
