// Builds the SDK twice (ESM + CJS) and its declarations once per format, so
// that `import` gets `.d.ts` and `require` gets `.d.cts` (attw checks this).
import * as path from "node:path";
import typescript from "@rollup/plugin-typescript";
import { dts } from "rollup-plugin-dts";

const input = { index: "src/index.ts", testing: "src/testing.ts", websocket: "src/websocket/index.ts" };
const external = ["mitt"];

// Opt-in entry points import the core from the built index (./index.js or
// ./index.cjs), so dist/index.* stays the whole core with no shared chunk and
// an app that imports both gets one copy of it.
const CORE = "@lifeline/client";
const coreFromIndex = {
  name: "core-from-index",
  resolveId(source, importer) {
    if (importer && path.resolve(path.dirname(importer), source) === path.resolve("src/index.js")) return { id: CORE, external: true };
    return null;
  },
};
const core = (file) => ({ paths: { [CORE]: file } });

export default [
  {
    input,
    external,
    plugins: [coreFromIndex, typescript({ tsconfig: "./tsconfig.build.json" })],
    output: [
      { dir: "dist", format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", ...core("./index.js") },
      { dir: "dist", format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "[name]-[hash].cjs", ...core("./index.cjs") },
    ],
  },
  {
    input,
    external,
    plugins: [coreFromIndex, dts({ tsconfig: "./tsconfig.build.json" })],
    output: [
      { dir: "dist", format: "esm", entryFileNames: "[name].d.ts", chunkFileNames: "[name]-[hash].d.ts", ...core("./index.js") },
      { dir: "dist", format: "cjs", entryFileNames: "[name].d.cts", chunkFileNames: "[name]-[hash].d.cts", ...core("./index.cjs") },
    ],
  },
];
