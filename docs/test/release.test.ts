// One version story. The published packages, the heads of their CHANGELOGs
// and the newest migration note name the same version today, and still do
// after the pending changesets are released (`changeset version`, run on a
// copy). And what the registry shows of each package works there: its
// README links only to absolute addresses, its package.json names the
// repository, and it ships the LICENSE.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REPOSITORY = "https://github.com/lifeline-ws/lifeline";

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readJson = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest;

/** `packages/<dir>` of every package that is published (not private), with its package.json read from `root`. */
function published(root: string): Array<{ dir: string; pkg: Manifest }> {
  return readdirSync(path.join(root, "packages"))
    .filter((dir) => existsSync(path.join(root, "packages", dir, "package.json")))
    .map((dir) => ({ dir: `packages/${dir}`, pkg: readJson(path.join(root, "packages", dir, "package.json")) }))
    .filter(({ pkg }) => !pkg.private)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The version in the CHANGELOG's first `## ` heading (a release, never "Unreleased"). */
function changelogHead(file: string): string {
  const heading = /^## (.*)$/m.exec(readFileSync(file, "utf8"))?.[1] ?? "(no ## heading)";
  return /^\d+\.\d+\.\d+/.exec(heading)?.[0] ?? heading;
}

/** `major.minor` of each docs/migration-X.Y.md, newest last. */
function migrationNotes(root: string): string[] {
  return readdirSync(path.join(root, "docs"))
    .map((f) => /^migration-(\d+)\.(\d+)\.md$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]) || Number(a[2]) - Number(b[2]))
    .map((m) => `${m[1]}.${m[2]}`);
}

const minorOf = (version: string): string => version.split(".").slice(0, 2).join(".");

/** The changesets waiting for a release. */
const pendingChangesets = (root: string): string[] =>
  readdirSync(path.join(root, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");

/** Every internal dependency range of the published packages, for the versions they must accept. */
function internalRanges(packages: Array<{ dir: string; pkg: Manifest }>): Array<{ from: string; to: string; range: string }> {
  const names = new Set(packages.map(({ pkg }) => pkg.name));
  return packages.flatMap(({ pkg }) =>
    Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })
      .filter(([name]) => names.has(name))
      .map(([name, range]) => ({ from: pkg.name, to: name, range })),
  );
}

/** Does the caret range `^0.y.z` (the only kind we write) accept `version`? */
function caretAccepts(range: string, version: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) return false;
  const [major, minor, patch] = version.split(".").map(Number) as [number, number, number];
  const [rMajor, rMinor, rPatch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (rMajor > 0) return major === rMajor && (minor > rMinor || (minor === rMinor && patch >= rPatch));
  return major === 0 && minor === rMinor && patch >= rPatch;
}

/** The checks that must hold for the tree at `root`: one version, CHANGELOG heads, migration note, ranges. */
function versionStory(root: string): { version: string; heads: Record<string, string>; ranges: string[] } {
  const packages = published(root);
  const versions = new Set(packages.map(({ pkg }) => pkg.version));
  const version = [...versions][0]!;
  const heads = Object.fromEntries(packages.map(({ dir }) => [dir, changelogHead(path.join(root, dir, "CHANGELOG.md"))]));
  const ranges = internalRanges(packages)
    .filter(({ range }) => !caretAccepts(range, version))
    .map(({ from, to, range }) => `${from} → ${to}@${range}`);
  expect([...versions], "one version for every published package (.changeset/config.json: fixed)").toHaveLength(1);
  return { version, heads, ranges };
}

describe("one version story", () => {
  const packages = published(ROOT);

  it("publishes the client, the server, the React hooks and the test server", () => {
    expect(packages.map(({ pkg }) => pkg.name)).toEqual(["@lifeline/client", "@lifeline/react", "@lifeline/server", "@lifeline/test-server"]);
  });

  it("today: every package, every CHANGELOG head and a migration note name one version", () => {
    const { version, heads, ranges } = versionStory(ROOT);
    for (const [dir, head] of Object.entries(heads)) expect(head, `${dir}/CHANGELOG.md's first ## heading`).toBe(version);
    expect(migrationNotes(ROOT), `docs/migration-${minorOf(version)}.md`).toContain(minorOf(version));
    expect(ranges, "internal dependency ranges that refuse the current version").toEqual([]);
  });

  it.runIf(pendingChangesets(ROOT).length === 0)("with no changeset waiting, the newest migration note is the current version's", () => {
    expect(migrationNotes(ROOT).at(-1)).toBe(minorOf(versionStory(ROOT).version));
  });

  describe.runIf(pendingChangesets(ROOT).length > 0)("after the release of the pending changesets", () => {
    // `changeset version` on a copy of what it reads and writes: the workspace's
    // package.json files, the lock file (how it finds the workspaces), the
    // CHANGELOGs and .changeset/; node_modules is linked, not copied.
    let copy: string;
    let before: string;

    beforeAll(async () => {
      before = versionStory(ROOT).version;
      copy = mkdtempSync(path.join(tmpdir(), "lifeline-release-"));
      const root = readJson(path.join(ROOT, "package.json")) as Manifest & { workspaces: string[] };
      const workspaces = root.workspaces.flatMap((pattern) =>
        pattern.endsWith("/*")
          ? readdirSync(path.join(ROOT, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`)
          : [pattern],
      );
      const files = ["package.json", "package-lock.json"];
      for (const dir of workspaces) {
        for (const f of ["package.json", "CHANGELOG.md"]) if (existsSync(path.join(ROOT, dir, f))) files.push(`${dir}/${f}`);
      }
      for (const file of files) {
        mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        cpSync(path.join(ROOT, file), path.join(copy, file));
      }
      cpSync(path.join(ROOT, ".changeset"), path.join(copy, ".changeset"), { recursive: true });
      mkdirSync(path.join(copy, "docs"), { recursive: true });
      for (const note of migrationNotes(ROOT)) cpSync(path.join(ROOT, "docs", `migration-${note}.md`), path.join(copy, "docs", `migration-${note}.md`));
      symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
      await run(process.execPath, [path.join(ROOT, "node_modules/@changesets/cli/bin.js"), "version"], { cwd: copy, timeout: 60_000 });
    }, 90_000);

    afterAll(() => {
      if (copy) rmSync(copy, { recursive: true, force: true });
    });

    it("consumes every changeset", () => {
      expect(pendingChangesets(copy)).toEqual([]);
    });

    it("moves every package to one next version: a minor step while lifeline is pre-1.0", () => {
      const { version } = versionStory(copy);
      const [major, minor] = before.split(".").map(Number) as [number, number];
      expect(version).not.toBe(before);
      // `major` in a changeset would make this 1.0.0: pre-1.0, a breaking change is `minor` (.changeset/README.md)
      if (major === 0) expect(version).toMatch(new RegExp(`^0\\.(${minor}|${minor + 1})\\.`));
    });

    it("heads every CHANGELOG with that version, and docs/ holds its migration note", () => {
      const { version, heads, ranges } = versionStory(copy);
      for (const [dir, head] of Object.entries(heads)) expect(head, `${dir}/CHANGELOG.md after the release`).toBe(version);
      // a new minor needs its note (docs/migration-<next>.md); a patch release keeps the current one as the newest
      expect(migrationNotes(copy).at(-1), "the newest docs/migration-X.Y.md").toBe(minorOf(version));
      expect(ranges, "internal dependency ranges that refuse the released version").toEqual([]);
    });
  });
});

describe("what the registry shows", () => {
  const packages = published(ROOT);
  const license = readFileSync(path.join(ROOT, "LICENSE"), "utf8");

  it("the root LICENSE is MIT, the lifeline authors'", () => {
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the lifeline authors\n/);
  });

  it.each(packages.map((p) => ({ name: p.pkg.name, ...p })))("$name: README links work on the registry (absolute or in-page)", ({ dir }) => {
    const readme = readFileSync(path.join(ROOT, dir, "README.md"), "utf8").replace(/```[\s\S]*?```/g, "");
    const targets = [
      ...[...readme.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...readme.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
      ...[...readme.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!),
    ];
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !/^(https:\/\/|mailto:|#)/.test(t)), `relative links in ${dir}/README.md`).toEqual([]);
    expect(readme).not.toContain("../");
  });

  it.each(packages.map((p) => ({ name: p.pkg.name, ...p })))("$name: package.json names the repository; the LICENSE ships", ({ dir, pkg }) => {
    expect(pkg.license).toBe("MIT");
    expect(pkg.repository).toEqual({ type: "git", url: `git+${REPOSITORY}.git`, directory: dir });
    expect(pkg.homepage).toBe(`${REPOSITORY}/tree/main/${dir}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    expect(pkg.keywords?.length).toBeGreaterThan(2);
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "README.md", "CHANGELOG.md", "LICENSE"]));
    expect(readFileSync(path.join(ROOT, dir, "LICENSE"), "utf8")).toBe(license);
  });

  it("the test server runs with npx: its bin is the built CLI", () => {
    const testServer = packages.find(({ pkg }) => pkg.name === "@lifeline/test-server")!.pkg;
    expect(testServer.bin).toEqual({ "lifeline-test-server": "./dist/cli.js" });
    expect(readFileSync(path.join(ROOT, "packages/test-server/src/cli.ts"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });
});
