// Browser apps bundled the way users bundle them: rollup with
// @rollup/plugin-node-resolve and esbuild, both for the browser, from the
// package's ESM build. No warnings, no Node built-in, and zod only when the
// app itself imports it.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { build } from "esbuild";
import { rollup } from "rollup";
import { describe, expect, it } from "vitest";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const APPS = {
  /** uses createClient without a schema */
  plain: fixture("app-client.mjs"),
  /** passes a zod schema as `incoming` */
  zod: fixture("app-zod.mjs"),
};
const built = existsSync(fileURLToPath(new URL("../../dist/index.js", import.meta.url)));

interface Bundle {
  code: string;
  /** Every module that went into the bundle (paths, or ids for virtual ones). */
  modules: string[];
  /** Imports left outside the bundle. */
  external: string[];
  /** What the bundler warned about, and the files each warning is about. */
  warnings: Array<{ text: string; files: string[] }>;
}

async function withRollup(entry: string): Promise<Bundle> {
  const warnings: Bundle["warnings"] = [];
  const bundle = await rollup({
    input: entry,
    plugins: [nodeResolve({ browser: true })],
    onLog: (level, log) => {
      if (level === "warn") warnings.push({ text: `${log.code ?? ""}: ${log.message}`, files: [log.id ?? "", ...(log.ids ?? [])].filter(Boolean) });
    },
  });
  try {
    const { output } = await bundle.generate({ format: "esm" });
    const chunks = output.filter((o) => o.type === "chunk");
    return {
      code: chunks.map((c) => c.code).join("\n"),
      modules: chunks.flatMap((c) => Object.keys(c.modules)),
      external: chunks.flatMap((c) => [...c.imports, ...c.dynamicImports]),
      warnings,
    };
  } finally {
    await bundle.close();
  }
}

async function withEsbuild(entry: string): Promise<Bundle> {
  // metafile paths are relative to this directory; made absolute below
  const cwd = path.dirname(entry);
  const result = await build({
    absWorkingDir: cwd,
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return {
    code: result.outputFiles.map((f) => f.text).join("\n"),
    modules: Object.keys(result.metafile.inputs).map((m) => path.resolve(cwd, m)),
    external: Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)),
    warnings: result.warnings.map((w) => ({ text: w.text, files: w.location ? [path.resolve(cwd, w.location.file)] : [] })),
  };
}

/** A module specifier of a Node built-in as it would appear in bundled code. */
const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']node:/;
/** zod's classes carry these names at run time; the client itself never mentions them. */
const ZOD_CODE = /\$Zod[A-Z]\w+/;
const isZod = (m: string) => /node_modules\/zod\//.test(m);
const isClient = (m: string) => /packages\/client\/dist\/[^/]+\.js$/.test(m);

describe.runIf(built).each([
  ["rollup + @rollup/plugin-node-resolve", withRollup],
  ["esbuild", withEsbuild],
] as const)("bundled for the browser by %s", (_name, bundle) => {
  it("an app without zod: the ESM build only, no warning, no node: import, no zod", async () => {
    const out = await bundle(APPS.plain);
    expect(out.warnings.map((w) => w.text)).toEqual([]);
    expect(out.external).toEqual([]);
    expect(out.modules.filter(isClient).length).toBeGreaterThan(0);
    // the app, the client and mitt (its one dependency, ESM): nothing else came along
    expect(out.modules.filter((m) => !isClient(m) && !m.endsWith("app-client.mjs")).map((m) => m.replace(/.*node_modules\//, ""))).toEqual(["mitt/dist/mitt.mjs"]);
    expect(out.code).not.toMatch(NODE_IMPORT);
    expect(out.code).not.toMatch(/\brequire\s*\(/);
    expect(out.modules.filter(isZod)).toEqual([]);
    expect(out.code).not.toMatch(ZOD_CODE);
  });

  it("an app that imports zod: zod is in the bundle, still no warning about lifeline, no node: import", async () => {
    const out = await bundle(APPS.zod);
    // rollup has its own remarks about zod's source (comment placement, a cycle); those are zod's
    expect(out.warnings.filter((w) => w.files.length === 0 || !w.files.every(isZod)).map((w) => w.text)).toEqual([]);
    expect(out.external).toEqual([]);
    expect(out.modules.filter(isClient).length).toBeGreaterThan(0);
    expect(out.modules.filter(isZod).length).toBeGreaterThan(0);
    expect(out.code).toMatch(ZOD_CODE);
    expect(out.code).not.toMatch(NODE_IMPORT);
  });
});

if (!built) {
  it("needs the build (npm run build -w @lifeline/client)", () => {
    throw new Error("packages/client/dist is missing: run `npm run build -w @lifeline/client` first");
  });
}
