#!/usr/bin/env node
// Mutation check of the client core: applies each mutant of ./list.mjs (a
// small search/replace on src/), runs vitest, records whether a test failed
// (killed) or all passed (survived), and restores the source. Not part of
// `npm test` (vitest only picks up *.test.ts); run it by hand:
//
//   cd packages/client
//   node test/mutants/mutants.mjs                         # every mutant, projects unit + dom
//   node test/mutants/mutants.mjs --only id1,id2          # some of them
//   node test/mutants/mutants.mjs --projects unit,dom,integration
//                                                         # also the slower suites (builds dist first
//                                                         # for a mutant when a project needs it)
//
// A mutant's own `projects` (list.mjs) replace the default set. The source
// must be clean (git) when it starts; it is restored after each mutant and on
// Ctrl-C, and dist is rebuilt from the clean source at the end when a mutant
// was built. Results: a table on stdout and test/.artifacts/mutants.json.
// Exit code: 0 when every mutant was killed, 1 when some survived, 2 on a
// mutant that no longer matches the source.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MUTANTS } from "./list.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");
const ARTIFACTS = join(ROOT, "test/.artifacts");
const REPORT = join(ARTIFACTS, "mutants-vitest.json");
/** Projects that import the built dist (directly or through child processes). */
const NEEDS_BUILD = new Set(["integration", "reliability", "runtimes", "websocket", "package"]);
/** One vitest run is bounded; a mutant that hangs the suite counts as killed (timeout). */
const RUN_TIMEOUT_MS = 10 * 60_000;

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const only = flag("--only")?.split(",");
const defaultProjects = (flag("--projects") ?? "unit,dom").split(",");

const run = (cmd, argv, opts = {}) => spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8", timeout: RUN_TIMEOUT_MS, env: { ...process.env, DO_NOT_TRACK: "1", TURBO_TELEMETRY_DISABLED: "1" }, ...opts });

if (run("git", ["diff", "--quiet", "--", "src"]).status !== 0) {
  console.error("src/ has uncommitted changes: commit or stash them first (the check restores src/ from its own copy, not from git).");
  process.exit(2);
}

const selected = only ? MUTANTS.filter((m) => only.includes(m.id)) : MUTANTS;
if (only && selected.length !== only.length) {
  console.error(`unknown mutant ids: ${only.filter((id) => !MUTANTS.some((m) => m.id === id)).join(", ")}`);
  process.exit(2);
}

let restore = () => {};
process.on("SIGINT", () => {
  restore();
  process.exit(130);
});

/** The mutated text of `source`, or a reason it does not apply. */
function mutate(source, edits) {
  let out = source;
  for (const [search, replace] of edits) {
    const count = out.split(search).length - 1;
    if (count !== 1) return { error: `search occurs ${count} times: ${JSON.stringify(search.slice(0, 60))}` };
    out = out.replace(search, () => replace);
  }
  return { text: out };
}

/** Failed test names from vitest's JSON report. */
function failures() {
  try {
    const report = JSON.parse(readFileSync(REPORT, "utf8"));
    const failed = [];
    for (const file of report.testResults ?? []) {
      const rel = file.name.slice(ROOT.length + 1);
      for (const t of file.assertionResults ?? []) if (t.status === "failed") failed.push(`${rel} › ${t.fullName ?? t.title}`);
      if (file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed")) failed.push(`${rel} (file failed: ${String(file.message ?? "").split("\n")[0]})`);
    }
    return failed;
  } catch {
    return [];
  }
}

mkdirSync(ARTIFACTS, { recursive: true });
const results = [];
let built = false;
let stale = false;
for (const m of selected) {
  const path = join(SRC, m.file);
  const original = readFileSync(path, "utf8");
  const mutated = mutate(original, m.edits);
  if (mutated.error) {
    results.push({ id: m.id, file: m.file, what: m.what, status: "stale", detail: mutated.error });
    stale = true;
    console.log(`STALE     ${m.id}: ${mutated.error}`);
    continue;
  }
  restore = () => writeFileSync(path, original);
  const projects = m.projects ?? defaultProjects;
  const started = Date.now();
  let status;
  let killedBy = [];
  try {
    writeFileSync(path, mutated.text);
    if (projects.some((p) => NEEDS_BUILD.has(p))) {
      built = true;
      const b = run("npm", ["run", "build"]);
      if (b.status !== 0) {
        status = "killed";
        killedBy = ["build failed"];
      }
    }
    if (!status) {
      rmSync(REPORT, { force: true });
      const r = run("npx", ["vitest", "run", ...projects.flatMap((p) => ["--project", p]), "--reporter=json", `--outputFile=${REPORT}`]);
      killedBy = failures();
      if (r.error?.code === "ETIMEDOUT" || r.signal) {
        status = "killed";
        killedBy = [`timeout / ${r.signal ?? r.error.code}`];
      } else if (r.status === 0) status = "survived";
      else {
        status = "killed";
        if (killedBy.length === 0) killedBy = [`vitest exit ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`];
      }
    }
  } finally {
    restore();
    restore = () => {};
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  results.push({ id: m.id, file: m.file, what: m.what, projects, status, killedBy, seconds });
  console.log(`${status.toUpperCase().padEnd(9)} ${m.id} (${seconds}s)${killedBy[0] ? `  ← ${killedBy[0]}${killedBy.length > 1 ? ` (+${killedBy.length - 1})` : ""}` : ""}`);
}

if (built) run("npm", ["run", "build"]);
rmSync(REPORT, { force: true });
writeFileSync(join(ARTIFACTS, "mutants.json"), `${JSON.stringify(results, null, 2)}\n`);

const count = (s) => results.filter((r) => r.status === s).length;
console.log(`\n| mutant | file | broken | result |\n|---|---|---|---|`);
for (const r of results) console.log(`| ${r.id} | ${r.file} | ${r.what} | ${r.status}${r.killedBy?.[0] ? `: ${r.killedBy[0]}` : ""} |`);
console.log(`\n${results.length} mutants: ${count("killed")} killed, ${count("survived")} survived, ${count("stale")} stale`);
process.exit(stale ? 2 : count("survived") > 0 ? 1 : 0);
