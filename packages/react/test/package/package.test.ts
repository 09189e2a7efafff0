// What a user installs: the package.json contract, the built files it points
// at, that the build imports only its peers and does nothing at import, and
// publint and "are the types wrong" on the packed tarball.
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
const DIR = fileURLToPath(new URL("../..", import.meta.url));
const ROOT = path.resolve(DIR, "../..");
const PEERS = ["@lifeline/client", "react"];

interface PackageJson {
  type?: string;
  sideEffects?: boolean;
  main?: string;
  module?: string;
  types?: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(path.join(DIR, "package.json"), "utf8")) as PackageJson;
const built = existsSync(path.join(DIR, "dist/index.js"));

/** Every string target in an `exports` value, keyed by the conditions that lead to it. */
function targets(value: unknown, conditions: string[] = []): Array<[string, string]> {
  if (typeof value === "string") return [[conditions.join("."), value]];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => targets(inner, [...conditions, key]));
}

describe("package.json", () => {
  it("is an ES module package with no side effects and no dependency of its own", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it("takes React 18 or 19 and the client as peers", () => {
    expect(Object.keys(pkg.peerDependencies ?? {}).sort()).toEqual(PEERS);
    expect(pkg.peerDependencies?.["react"]).toBe("^18.0.0 || ^19.0.0");
  });

  it("exports `.` (each format with its own declarations) and `./package.json`", () => {
    expect(Object.keys(pkg.exports)).toEqual([".", "./package.json"]);
    expect(Object.fromEntries(targets(pkg.exports["."]))).toEqual({
      "import.types": "./dist/index.d.ts",
      "import.default": "./dist/index.js",
      "require.types": "./dist/index.d.cts",
      "require.default": "./dist/index.cjs",
    });
  });
});

describe.runIf(built)("the build", () => {
  it("has every file that package.json points at", () => {
    const pointed = [...targets(pkg.exports).map(([, target]) => target), pkg.main, pkg.module, pkg.types];
    expect(pointed.filter((t) => typeof t !== "string" || !existsSync(path.join(DIR, t)))).toEqual([]);
  });

  it("imports nothing at run time but its peers", async () => {
    const files = readdirSync(path.join(DIR, "dist")).filter((f) => /\.c?js$/.test(f));
    expect(files.sort()).toEqual(["index.cjs", "index.js"]);
    for (const file of files) {
      // esbuild records every import and require() it leaves external
      const result = await build({
        entryPoints: [path.join(DIR, "dist", file)],
        bundle: true,
        write: false,
        metafile: true,
        packages: "external",
        platform: "neutral",
        logLevel: "silent",
      });
      const external = new Set(Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path)));
      expect([...external].sort(), file).toEqual(PEERS);
    }
  });

  it("does nothing at import: no timer, socket, listener or console call, in either format", async () => {
    // recorded in a fresh Node process before the package loads
    const probe = `
      import { createRequire } from "node:module";
      const calls = [];
      const spy = (name, fn) => function (...args) { calls.push(name); return fn?.apply(this, args); };
      for (const name of ["setTimeout", "setInterval", "setImmediate", "queueMicrotask", "fetch"]) globalThis[name] = spy(name, globalThis[name]);
      globalThis.WebSocket = class { constructor() { calls.push("new WebSocket"); } };
      globalThis.addEventListener = spy("addEventListener");
      for (const name of ["log", "info", "warn", "error", "debug"]) console[name] = spy("console." + name);
      const esm = await import("@lifeline/react");
      const cjs = createRequire(import.meta.url)("@lifeline/react");
      process.stdout.write(JSON.stringify({ calls, exported: [esm, cjs].map((m) => Object.keys(m).sort()) }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: DIR,
      timeout: 30_000,
      env: { PATH: process.env["PATH"] ?? "" },
    });
    const { calls, exported } = JSON.parse(stdout) as { calls: string[]; exported: string[][] };
    const names = ["CLOSE_GRACE_MS", "LifelineProvider", "useClient", "useLatency", "useLatest", "useLifeline", "useLifelineState", "useMessages", "useOnType"];
    expect(exported).toEqual([names, names]);
    expect(calls).toEqual([]);
  });
});

describe.runIf(built)("published tarball", () => {
  let temp: string;
  let tarball: string;

  beforeAll(async () => {
    temp = mkdtempSync(path.join(tmpdir(), "lifeline-react-pack-"));
    const { stdout } = await run("npm", ["pack", "--pack-destination", temp, "--json", "--ignore-scripts"], { cwd: DIR, timeout: 60_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(temp, info!.filename);
    expect(info!.files.map((f) => f.path).sort()).toEqual(
      ["CHANGELOG.md", "README.md", "dist/index.cjs", "dist/index.d.cts", "dist/index.d.ts", "dist/index.js", "package.json"],
    );
  }, 90_000);

  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it("publint (strict) finds no error or warning", async () => {
    const { messages, pkg: read } = await publint({ pkgDir: DIR, strict: true, pack: "npm" });
    expect(messages.filter((m) => m.type !== "suggestion").map((m) => `${m.type}: ${formatMessage(m, read) ?? m.code}`)).toEqual([]);
  }, 60_000);

  it("attw finds no problem in any resolution mode (node10, node16 CJS/ESM, bundler)", async () => {
    const attw = path.join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
    // attw exits 1 when it finds problems; the JSON says which
    const result = await run(process.execPath, [attw, tarball, "--format", "json", "--profile", "strict"], { cwd: temp, timeout: 60_000 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
    );
    const report = JSON.parse(result.stdout) as {
      problems: Record<string, unknown[]>;
      analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
    };
    expect(Object.keys(report.analysis.entrypoints)).toEqual([".", "./package.json"]);
    expect(Object.keys(report.analysis.entrypoints["."]!.resolutions).sort()).toEqual(["bundler", "node10", "node16-cjs", "node16-esm"]);
    expect(Object.values(report.problems).flat()).toEqual([]);
  }, 60_000);
});

if (!built) {
  it("needs the build (npm run build -w @lifeline/react)", () => {
    throw new Error("packages/react/dist is missing: run `npm run build -w @lifeline/react` first");
  });
}
