// The checks every published package runs on what a user installs: its
// package.json, the built files it points at, what the build imports at run
// time, what importing it does, and publint and "are the types wrong" on the
// packed tarball. Each package's test/package test states what it expects;
// these only gather the facts.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The fields of a package.json these checks read. */
export interface PackageJson {
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

/** The package.json in `dir`. */
export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson;
}

/**
 * Whether the package in `dir` (`name`) is built (dist/index.js). If not, a
 * test that fails saying how to build it: the checks of the build cannot run.
 */
export function checkBuilt(dir: string, name: string): boolean {
  if (existsSync(path.join(dir, "dist/index.js"))) return true;
  const folder = path.relative(ROOT, dir);
  it(`needs the build (npm run build -w ${name})`, () => {
    throw new Error(`${folder}/dist is missing: run \`npm run build -w ${name}\` first`);
  });
  return false;
}

/** Every string target in an `exports` value, with the conditions that lead to it. */
export function exportTargets(value: unknown, conditions: string[] = []): Array<{ conditions: string[]; target: string }> {
  if (typeof value === "string") return [{ conditions, target: value }];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => exportTargets(inner, [...conditions, key]));
}

/** An `exports` value as `{ "import.types": "./dist/…", … }`. */
export function exportMap(value: unknown): Record<string, string> {
  return Object.fromEntries(exportTargets(value).map(({ conditions, target }) => [conditions.join("."), target]));
}

/** Every file package.json points at: exports, main, module, types and typesVersions. */
export function pointedFiles(pkg: PackageJson): string[] {
  return [
    ...exportTargets(pkg.exports).map((t) => t.target),
    pkg.main,
    pkg.module,
    pkg.types,
    ...Object.values(pkg.typesVersions ?? {}).flatMap((map) => Object.values(map).flat()),
  ].filter((t): t is string => typeof t === "string");
}

/** What a built file imports or require()s at run time, outside itself (esbuild records what it leaves external), in order. */
export async function externalImports(file: string): Promise<string[]> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    packages: "external",
    platform: "neutral",
    logLevel: "silent",
  });
  return Object.values(result.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((i) => i.external)
    .map((i) => i.path);
}

/**
 * Imports `entries` (package specifiers) in both formats in a fresh Node
 * process run in `dir`, after replacing every global a module could touch at
 * import with a spy: timers, fetch, WebSocket, global and document
 * listeners, console. Returns the calls made, in order, and each loaded
 * module's export names (the ESM one and then the CJS one, entry by entry).
 */
export async function importProbe(dir: string, entries: readonly string[]): Promise<{ calls: string[]; exported: string[][] }> {
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
    const require = createRequire(import.meta.url);
    const exported = [];
    for (const entry of ${JSON.stringify(entries)}) exported.push(Object.keys(await import(entry)).sort(), Object.keys(require(entry)).sort());
    process.stdout.write(JSON.stringify({ calls, exported }));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
    cwd: dir,
    timeout: 30_000,
    env: { PATH: process.env["PATH"] ?? "" },
  });
  return JSON.parse(stdout) as { calls: string[]; exported: string[][] };
}

/** The package in `dir` as `npm pack` made it: the tarball and the files in it. */
export interface Packed {
  /** The folder the tarball is in (attw runs there). */
  temp: string;
  tarball: string;
  files: string[];
}

/**
 * Packs the package in `dir` into a temp folder before the suite's tests (so
 * nothing lands in the package folder) and removes it after. `check` runs on
 * the packed file list right after packing. Returns the result, filled in
 * once the suite's beforeAll ran.
 */
export function packBeforeAll(dir: string, prefix: string, check: (files: string[]) => void): Packed {
  const packed: Packed = { temp: "", tarball: "", files: [] };
  beforeAll(async () => {
    packed.temp = mkdtempSync(path.join(tmpdir(), prefix));
    const { stdout } = await run("npm", ["pack", "--pack-destination", packed.temp, "--json", "--ignore-scripts"], { cwd: dir, timeout: 60_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed.tarball = path.join(packed.temp, info!.filename);
    packed.files = info!.files.map((f) => f.path);
    check(packed.files);
  }, 90_000);
  afterAll(() => {
    if (packed.temp) rmSync(packed.temp, { recursive: true, force: true });
  });
  return packed;
}

/** publint (strict) on what npm would publish from `dir` (a dry run: nothing is written): its errors and warnings, formatted. */
export async function publintProblems(dir: string): Promise<string[]> {
  const { messages, pkg } = await publint({ pkgDir: dir, strict: true, pack: "npm" });
  return messages.filter((m) => m.type !== "suggestion").map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
}

/** What "are the types wrong" (strict profile) says about a tarball: the problems by kind, and each entry point's resolutions. */
export interface AttwReport {
  problems: Record<string, unknown[]>;
  analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
}

/** Runs attw on the packed tarball; its JSON report (attw exits 1 when it finds problems: the JSON says which). */
export async function attwReport(packed: Packed): Promise<AttwReport> {
  const attw = path.join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
  const result = await run(process.execPath, [attw, packed.tarball, "--format", "json", "--profile", "strict"], { cwd: packed.temp, timeout: 60_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  return JSON.parse(result.stdout) as AttwReport;
}
