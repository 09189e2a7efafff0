// Builds the hooks twice (ESM + CJS) and their declarations once per format,
// so that `import` gets `.d.ts` and `require` gets `.d.cts` (attw checks this).
// React and the client are peers: never bundled.
import typescript from "@rollup/plugin-typescript";
import { dts } from "rollup-plugin-dts";

const input = { index: "src/index.ts" };
const external = ["react", "@lifeline/client"];

export default [
  {
    input,
    external,
    plugins: [typescript({ tsconfig: "./tsconfig.build.json" })],
    output: [
      { dir: "dist", format: "esm", entryFileNames: "[name].js" },
      { dir: "dist", format: "cjs", entryFileNames: "[name].cjs" },
    ],
  },
  {
    input,
    external,
    plugins: [dts({ tsconfig: "./tsconfig.build.json" })],
    output: [
      { dir: "dist", format: "esm", entryFileNames: "[name].d.ts" },
      { dir: "dist", format: "cjs", entryFileNames: "[name].d.cts" },
    ],
  },
];
