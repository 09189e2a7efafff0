// The server package (see tools/build/rollup.mjs for what is built). Nothing is
// bundled in: the core has no run-time imports, the redis entry imports only
// ioredis (an optional peer dependency).
import { packageBuild } from "../../tools/build/rollup.mjs";

export default packageBuild({
  input: { index: "src/index.ts", redis: "src/redis.ts", bun: "src/bun.ts", deno: "src/deno.ts", cloudflare: "src/cloudflare.ts" },
  external: ["ioredis"],
});
