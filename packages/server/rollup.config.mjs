// Builds the server package twice (ESM + CJS) and its declarations once per
// format, so that `import` gets `.d.ts` and `require` gets `.d.cts` (attw
// checks this). Nothing is bundled in: the core has no run-time imports, the
// redis entry imports only ioredis (an optional peer dependency).
import typescript from "@rollup/plugin-typescript";
import { dts } from "rollup-plugin-dts";

const input = { index: "src/index.ts", redis: "src/redis.ts", bun: "src/bun.ts", deno: "src/deno.ts", cloudflare: "src/cloudflare.ts" };

const external = ["ioredis"];

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
