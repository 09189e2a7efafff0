// Finds the TypeScript samples in the guides (```ts, and ```tsx for React),
// type-checks them against the built @lifeline/client, @lifeline/react and zod, and turns the runnable ones into plain
// JavaScript for Node. Keeps the docs from drifting away from the API.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";

/** One fenced ```ts block of a guide. */
export interface Sample {
  /** `<guide>-L<line>`: where it is, and its file name when checked. */
  name: string;
  /** The guide's file name, e.g. `getting-started.md`. */
  doc: string;
  /** 1-based line of the first line of code in the guide. */
  line: number;
  code: string;
  /** `tsx` for a ```` ```tsx ```` block (JSX, checked with React's automatic runtime). */
  ext: "ts" | "tsx";
  /**
   * ```` ```ts run ```` runs against a plain test server, ```` ```ts run tls ````
   * against a `wss://` one whose CA the child process trusts; others are only type-checked.
   */
  run: false | "ws" | "tls";
  /** A ```` ```text output ```` block right after a run sample: what it must print. */
  output?: string;
}

const TS_LANGS = new Map<string, Sample["ext"]>([
  ["ts", "ts"],
  ["typescript", "ts"],
  ["tsx", "tsx"],
]);

/** The samples of every `*.md` directly in `dir`, in file and line order. */
export function extractSamples(dir: string): Sample[] {
  const samples: Sample[] = [];
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort();
  for (const doc of docs) samples.push(...samplesOf(doc, readFileSync(path.join(dir, doc), "utf8")));
  return samples;
}

/** Parses fenced blocks (``` or ~~~, possibly indented inside a list). */
export function samplesOf(doc: string, markdown: string): Sample[] {
  const lines = markdown.split(/\r?\n/);
  const samples: Sample[] = [];
  let previous: Sample | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) {
      // an output block belongs to the run sample only when nothing but blank lines separates them
      if (lines[i]!.trim() !== "") previous = undefined;
      continue;
    }
    const [, indent, fence, lang = "", rest = ""] = open;
    const flags = rest.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence!) && line.trim().replace(/[`~]/g, "") === "") break;
      body.push(line.startsWith(indent!) ? line.slice(indent!.length) : line.trimStart());
    }
    const code = body.join("\n") + "\n";
    const ext = TS_LANGS.get(lang.toLowerCase());
    if (ext) {
      const run = flags.includes("run") ? (flags.includes("tls") ? "tls" : "ws") : false;
      const sample: Sample = { name: `${doc.replace(/\.md$/, "")}-L${i + 2}`, doc, line: i + 2, code, ext, run };
      samples.push(sample);
      previous = run ? sample : undefined;
    } else if (lang === "text" && flags.includes("output") && previous) {
      previous.output = code;
      previous = undefined;
    } else {
      previous = undefined;
    }
    i = j;
  }
  return samples;
}

/** Compiler options close to what a user of the SDK has: strict, ESM, Node and DOM types. */
export const CHECK_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  // each sample is its own module even without an import, so names never clash
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ["lib.es2023.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  types: ["node"],
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
};

/**
 * Writes each sample to `outDir/<name>.ts` (or `.tsx`) and type-checks them all in one
 * program (with `extraFiles`, e.g. declarations of Deno/Bun/Workers globals).
 * Returns each sample's diagnostics as `guide.md:line:col message`.
 */
export function typecheck(samples: readonly Sample[], outDir: string, extraFiles: readonly string[] = []): Map<string, string[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const byFile = new Map<string, Sample>();
  for (const sample of samples) {
    const file = path.join(outDir, `${sample.name}.${sample.ext}`);
    writeFileSync(file, sample.code);
    byFile.set(path.resolve(file), sample);
  }
  const program = ts.createProgram({ rootNames: [...byFile.keys(), ...extraFiles], options: CHECK_OPTIONS });
  const result = new Map<string, string[]>(samples.map((s) => [s.name, []]));
  const extra: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const file = diagnostic.file ? path.resolve(diagnostic.file.fileName) : undefined;
    const sample = file ? byFile.get(file) : undefined;
    if (sample && diagnostic.file && diagnostic.start !== undefined) {
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      result.get(sample.name)!.push(`${sample.doc}:${sample.line + line}:${character + 1} TS${diagnostic.code}: ${message}`);
    } else {
      extra.push(`${file ?? "(global)"}: TS${diagnostic.code}: ${message}`);
    }
  }
  // an error outside the samples (say, in the extra declarations) would hide theirs
  if (extra.length > 0) throw new Error(`type errors outside the samples:\n${extra.join("\n")}`);
  return result;
}

/** The sample as an ES module Node can run (types stripped, `using` lowered). */
export function toJavaScript(sample: Sample): string {
  const { outputText, diagnostics } = ts.transpileModule(sample.code, {
    fileName: `${sample.name}.${sample.ext}`,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.ReactJSX },
  });
  if (diagnostics && diagnostics.length > 0) {
    throw new Error(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n"));
  }
  return outputText;
}
