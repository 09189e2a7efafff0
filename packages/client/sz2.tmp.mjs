import { build } from "esbuild"; import { gzipSync } from "node:zlib";
const entry = process.argv[2] ?? `import { createClient } from "./src/index.ts";
    const client = createClient({ url: "wss://example.test/ws" });
    client.on("message", (m) => console.log(m));
    client.send({ type: "chat", text: "hi" });`;
const r = await build({ stdin:{contents:entry, resolveDir: process.cwd(), loader:"ts"}, bundle:true, minify:true, format:"esm", platform:"browser", external:["zod"], define:{"process.env.NODE_ENV":'"production"'}, write:false, metafile:true, logLevel:"silent", target:"es2022"});
const code=r.outputFiles[0].contents; console.log("min",code.length,"gz",gzipSync(code,{level:9}).length);
for (const [k,v] of Object.entries(r.metafile.outputs)) for (const [f,i] of Object.entries(v.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput)) console.log(String(i.bytesInOutput).padStart(6), f);
import("node:fs").then(fs=>fs.writeFileSync("/tmp/src.min.js", code));
