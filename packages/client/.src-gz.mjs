// gz of the core app bundled from a src dir: node src-gz.mjs <srcdir>
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
const dir = process.argv[2];
const r = await build({ stdin: { contents: `import { createClient } from "./index.ts";
    const client = createClient({ url: "wss://example.test/ws" });
    client.on("message", (m) => console.log(m));
    client.send({ type: "chat", text: "hi" });`, resolveDir: dir, loader: "js" }, bundle: true, minify: true, format: "esm", platform: "browser", external: ["zod"], define: { "process.env.NODE_ENV": '"production"' }, write: false, logLevel: "error" , nodePaths: ["/work/wt/lean3/node_modules"]});
console.log(gzipSync(r.outputFiles[0].contents, { level: 9 }).length, r.outputFiles[0].contents.length);
