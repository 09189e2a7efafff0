// What a user installs: the package.json contract, the built files it points
// at, that the build imports only its peers and does nothing at import, and
// publint and "are the types wrong" on the packed tarball.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { attwReport, checkBuilt, exportMap, externalImports, importProbe, packBeforeAll, pointedFiles, publintProblems, readPackageJson } from "../../../../tools/test-kit/package-checks.js";

const DIR = fileURLToPath(new URL("../..", import.meta.url));
const PEERS = ["@lifeline/client", "react"];
/** What the built code imports at run time: the peers, and the client's topics entry point (for useSubscription). */
const IMPORTS = ["@lifeline/client", "@lifeline/client/topics", "react"];

const pkg = readPackageJson(DIR);
const built = checkBuilt(DIR, "@lifeline/react");

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
    expect(exportMap(pkg.exports["."])).toEqual({
      "import.types": "./dist/index.d.ts",
      "import.default": "./dist/index.js",
      "require.types": "./dist/index.d.cts",
      "require.default": "./dist/index.cjs",
    });
  });
});

describe.runIf(built)("the build", () => {
  it("has every file that package.json points at", () => {
    expect(pointedFiles(pkg).filter((t) => !existsSync(path.join(DIR, t)))).toEqual([]);
  });

  it("imports nothing at run time but its peers (the client, with its topics entry point, and React)", async () => {
    const files = readdirSync(path.join(DIR, "dist")).filter((f) => /\.c?js$/.test(f));
    expect(files.sort()).toEqual(["index.cjs", "index.js"]);
    for (const file of files) {
      const external = new Set(await externalImports(path.join(DIR, "dist", file)));
      expect([...external].sort(), file).toEqual(IMPORTS);
    }
  });

  it("does nothing at import: no timer, socket, listener or console call, in either format", async () => {
    // recorded in a fresh Node process before the package loads
    const { calls, exported } = await importProbe(DIR, ["@lifeline/react"]);
    const names = ["CLOSE_GRACE_MS", "LifelineProvider", "useClient", "useLatency", "useLatest", "useLifeline", "useLifelineState", "useMessages", "useOnType", "useSubscription"];
    expect(exported).toEqual([names, names]);
    expect(calls).toEqual([]);
  });
});

describe.runIf(built)("published tarball", () => {
  const packed = packBeforeAll(DIR, "lifeline-react-pack-", (files) => {
    expect([...files].sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "dist/index.cjs", "dist/index.d.cts", "dist/index.d.ts", "dist/index.js", "package.json"]);
  });

  it("publint (strict) finds no error or warning", async () => {
    expect(await publintProblems(DIR)).toEqual([]);
  }, 60_000);

  it("attw finds no problem in any resolution mode (node10, node16 CJS/ESM, bundler)", async () => {
    const report = await attwReport(packed);
    expect(Object.keys(report.analysis.entrypoints)).toEqual([".", "./package.json"]);
    expect(Object.keys(report.analysis.entrypoints["."]!.resolutions).sort()).toEqual(["bundler", "node10", "node16-cjs", "node16-esm"]);
    expect(Object.values(report.problems).flat()).toEqual([]);
  }, 60_000);
});
