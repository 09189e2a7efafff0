// What every published package's rollup.config.mjs builds: the code twice
// (ESM + CJS) and its declarations once per format, so that `import` gets
// `.d.ts` and `require` gets `.d.cts` (attw checks this). Run from the
// package's folder (rollup -c), with its tsconfig.build.json.
import typescript from "@rollup/plugin-typescript";
import { dts } from "rollup-plugin-dts";

// hoistTransitiveImports: false, so an entry imports only the chunks it uses
// (an app that imports the core does not load a chunk two opt-in entry points share)
const output = (format, ext) => ({ dir: "dist", format, entryFileNames: `[name].${ext}`, chunkFileNames: `[name]-[hash].${ext}`, hoistTransitiveImports: false });

/**
 * @param {{ input: Record<string, string>, external?: string[] }} options entry points (name → source)
 *   and what is never bundled (peers, optional dependencies)
 * @returns {import("rollup").RollupOptions[]}
 */
export function packageBuild({ input, external = [] }) {
  const tsconfig = "./tsconfig.build.json";
  return [
    { input, external, plugins: [typescript({ tsconfig })], output: [output("esm", "js"), output("cjs", "cjs")] },
    { input, external, plugins: [dts({ tsconfig })], output: [output("esm", "d.ts"), output("cjs", "d.cts")] },
  ];
}
