// Builds the SDK twice (ESM + CJS) and its declarations once per format, so
// that `import` gets `.d.ts` and `require` gets `.d.cts` (attw checks this).
import typescript from "@rollup/plugin-typescript";
import { dts } from "rollup-plugin-dts";

const input = {
  index: "src/index.ts",
  testing: "src/testing.ts",
  "at-least-once": "src/at-least-once/index.ts",
  request: "src/request/index.ts",
};
const external = [];

export default [
  {
    input,
    external,
    plugins: [typescript({ tsconfig: "./tsconfig.build.json" })],
    output: [
      { dir: "dist", format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
      { dir: "dist", format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "[name]-[hash].cjs" },
    ],
  },
  {
    input,
    external,
    plugins: [dts({ tsconfig: "./tsconfig.build.json" })],
    output: [
      { dir: "dist", format: "esm", entryFileNames: "[name].d.ts", chunkFileNames: "[name]-[hash].d.ts" },
      { dir: "dist", format: "cjs", entryFileNames: "[name].d.cts", chunkFileNames: "[name]-[hash].d.cts" },
    ],
  },
];
